// The room's management controls: the header (topic, member count, leave), the settings form
// (name, topic), the member list (online and offline, message, remove), and finding people.

import { act, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { ConfirmAction } from "../components/confirm-action";
import { MemberList } from "../components/member-list";
import { PEOPLE_SEARCH_DELAY_MS, PeopleSearch } from "../components/people-search";
import { RoomHeader } from "../components/room-header";
import { RoomList } from "../components/room-list";
import { RoomSettingsForm } from "../components/room-settings-form";
import { ApiError } from "../lib/api-error";
import { alice, asyncNoop, bob, carol, noop, room } from "./support";

const header = (overrides: Partial<Parameters<typeof RoomHeader>[0]> = {}) => (
  <RoomHeader
    room={room(1, { name: "news", topic: "What happened today" })}
    memberCount={3}
    status="connected"
    canEdit={false}
    settingsOpen={false}
    onToggleSettings={noop}
    onLeave={asyncNoop}
    {...overrides}
  />
);

describe("RoomHeader", () => {
  it("shows the room's name, topic and member count, and settings only to those who may change them", () => {
    const { rerender } = render(header());
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("news");
    expect(screen.getByText("3 members")).toBeInTheDocument();
    expect(screen.getByText("What happened today")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Room settings" })).toBeNull();

    rerender(header({ canEdit: true, memberCount: 1 }));
    expect(screen.getByText("1 member")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Room settings" })).toHaveAttribute("aria-expanded", "false");
  });

  it("asks before leaving, and leaves only when confirmed", async () => {
    const onLeave = vi.fn(async () => undefined);
    render(header({ onLeave }));
    await userEvent.click(screen.getByRole("button", { name: "Leave news" }));
    const confirm = screen.getByRole("group", { name: "Confirm: Leave news" });
    expect(within(confirm).getByRole("button", { name: "Yes, leave" })).toHaveFocus();
    await userEvent.click(within(confirm).getByRole("button", { name: "Yes, leave" }));
    expect(onLeave).toHaveBeenCalledTimes(1);
  });

  it("takes the focus on its title when asked to", () => {
    const onTitleFocused = vi.fn();
    render(header({ focusTitle: true, onTitleFocused }));
    expect(screen.getByRole("heading", { level: 1 })).toHaveFocus();
    expect(onTitleFocused).toHaveBeenCalled();
  });
});

describe("ConfirmAction", () => {
  it("puts the focus back on its button when cancelled, and shows why it failed", async () => {
    const onConfirm = vi.fn(async () => {
      throw new ApiError(409, "the room's owner cannot be removed");
    });
    render(<ConfirmAction label="Remove" ariaLabel="Remove bob" question="Remove bob?" confirmLabel="Yes, remove" onConfirm={onConfirm} />);
    await userEvent.click(screen.getByRole("button", { name: "Remove bob" }));
    await userEvent.click(screen.getByRole("button", { name: "Yes, remove" }));
    expect(screen.getByRole("alert")).toHaveTextContent("the room's owner cannot be removed");
    await userEvent.keyboard("{Escape}");
    expect(screen.getByRole("button", { name: "Remove bob" })).toHaveFocus();
  });
});

describe("RoomSettingsForm", () => {
  it("sends only what changed, a blank topic clearing it", async () => {
    const onSave = vi.fn(async () => undefined);
    const onClose = vi.fn();
    render(<RoomSettingsForm room={room(1, { name: "news", topic: "old" })} onSave={onSave} onClose={onClose} />);
    expect(screen.getByLabelText("Name")).toHaveFocus();
    await userEvent.clear(screen.getByLabelText("Topic"));
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(onSave).toHaveBeenCalledWith({ topic: null });
    expect(onClose).toHaveBeenCalled();
  });

  it("refuses an empty name or an overlong topic before asking the server, and shows the server's refusal", async () => {
    const onSave = vi.fn(async () => {
      throw new ApiError(409, "a room with that name exists");
    });
    render(<RoomSettingsForm room={room(1, { name: "news" })} onSave={onSave} onClose={noop} />);
    await userEvent.clear(screen.getByLabelText("Name"));
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Give the room a name.");
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");

    await userEvent.type(screen.getByLabelText("Name"), "general");
    await userEvent.click(screen.getByLabelText("Topic"));
    await userEvent.paste("x".repeat(251));
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByRole("alert")).toHaveTextContent("A topic is at most 250 characters.");
    expect(onSave).not.toHaveBeenCalled();

    await userEvent.clear(screen.getByLabelText("Topic"));
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(onSave).toHaveBeenCalledWith({ name: "general" });
    expect(screen.getByRole("alert")).toHaveTextContent("a room with that name exists");
  });
});

describe("MemberList", () => {
  const members = [
    { user: alice, online: true },
    { user: carol, online: false },
    { user: bob, online: true },
  ];

  it("lists everyone, online first, and offers a direct conversation with everyone but oneself", async () => {
    const onMessage = vi.fn(async () => undefined);
    render(<MemberList members={members} me={alice} ownerId={bob.id} onMessage={onMessage} />);
    expect(screen.getByRole("region", { name: "Members (3)" })).toBeInTheDocument();
    const online = screen.getByRole("region", { name: "Online (2)" });
    expect(within(online).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      expect.stringContaining("alice (you)"),
      expect.stringContaining("bob (owner)"),
    ]);
    expect(within(screen.getByRole("region", { name: "Offline (1)" })).getByText("carol")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Message alice" })).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Message carol" }));
    expect(onMessage).toHaveBeenCalledWith("carol");
    expect(screen.queryByRole("button", { name: /^Remove/ })).toBeNull();
  });

  it("lets a manager remove anyone but themselves and the owner, once confirmed", async () => {
    const onRemove = vi.fn(async () => undefined);
    render(<MemberList members={members} me={alice} ownerId={bob.id} onRemove={onRemove} />);
    expect(screen.queryByRole("button", { name: "Remove alice" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Remove bob" })).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Remove carol" }));
    await userEvent.click(screen.getByRole("button", { name: "Yes, remove" }));
    expect(onRemove).toHaveBeenCalledWith(carol);
  });
});

describe("PeopleSearch", () => {
  it("finds people once typing pauses (not oneself), says how many, and opens a conversation", async () => {
    vi.useFakeTimers();
    try {
      const search = vi.fn(async (prefix: string) => ({
        users: [alice, bob, { id: 9, username: "bobby" }].filter((u) => u.username.startsWith(prefix)),
        has_more: false,
      }));
      const onMessage = vi.fn(async () => undefined);
      render(<PeopleSearch me={alice} search={search} onMessage={onMessage} />);
      const box = screen.getByRole("searchbox", { name: "Find someone to message" });
      const typeAndPause = async (text: string) => {
        for (let i = 1; i <= text.length; i += 1) fireEvent.change(box, { target: { value: text.slice(0, i) } });
        await act(async () => {
          await vi.advanceTimersByTimeAsync(PEOPLE_SEARCH_DELAY_MS);
        });
      };

      await typeAndPause("bo");
      expect(search.mock.calls).toEqual([["bo"]]);
      expect(screen.getByRole("status")).toHaveTextContent("2 people found.");
      const found = screen.getByRole("list", { name: "People found" });
      await act(async () => {
        fireEvent.click(within(found).getByRole("button", { name: "Message bobby" }));
      });
      expect(onMessage).toHaveBeenCalledWith("bobby");
      expect(box).toHaveValue("");
      expect(screen.queryByRole("list", { name: "People found" })).toBeNull();

      await typeAndPause("al");
      expect(screen.getByRole("status")).toHaveTextContent("No one found for “al”.");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("RoomList", () => {
  it("lists the rooms to join apart, and finds people under the direct messages", async () => {
    const onJoin = vi.fn(async () => undefined);
    render(
      <RoomList
        rooms={[room(1), room(5, { name: "lobby", joined: false, member_count: 4 })]}
        activeRoomId={1}
        onJoin={onJoin}
        onCreate={asyncNoop}
        me={alice}
        searchPeople={async () => ({ users: [], has_more: false })}
        onMessagePerson={asyncNoop}
      />,
    );
    expect(screen.getByRole("heading", { name: "Direct messages" })).toBeInTheDocument();
    expect(screen.getByRole("search", { name: "People" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Join lobby" }));
    expect(onJoin).toHaveBeenCalledWith(expect.objectContaining({ id: 5 }));
  });
});
