import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { MessageList } from "../components/message-list";
import { RoomList } from "../components/room-list";
import { alice, asyncNoop, bob, listState as list, message, messageListCallbacks, room } from "./support";

describe("MessageList, newer features", () => {
  it("puts the New messages divider right above the first unread message", () => {
    render(
      <MessageList
        list={list({ messages: [message(1, { sender: bob }), message(2, { sender: bob }), message(3, { sender: bob })] })}
        me={alice}
        dividerId={2}
        {...messageListCallbacks}
      />,
    );
    const items = within(screen.getByRole("log", { name: "Messages" }))
      .getAllByRole("listitem", { hidden: false })
      .filter((item) => item.hasAttribute("data-message-id"));
    const divider = screen.getByRole("separator", { name: "New messages" });
    expect(divider.closest("li")?.nextElementSibling).toBe(items[1]);
    expect(items[1]).toHaveTextContent("message 2");
  });

  it("highlights the message jumped to and offers the way back to the newest", async () => {
    const onJump = vi.fn();
    const onLoadNewer = vi.fn();
    render(
      <MessageList
        list={list({ messages: [message(5), message(6)], hasNewer: true })}
        me={alice}
        highlightId={6}
        {...messageListCallbacks}
        onLoadNewer={onLoadNewer}
        onJumpToLatest={onJump}
      />,
    );
    expect(document.querySelector('[aria-current="true"]')).toHaveTextContent("message 6");
    await userEvent.click(screen.getByRole("button", { name: "Load newer messages" }));
    expect(onLoadNewer).toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: /Jump to the newest messages/ }));
    expect(onJump).toHaveBeenCalled();
  });

  it("shows reactions with their counts and the person's own, and toggles them", async () => {
    const onReact = vi.fn(async () => undefined);
    render(
      <MessageList
        list={list({ messages: [message(1, { sender: bob, reactions: [{ emoji: "👍", count: 2, me: true }, { emoji: "🎉", count: 1, me: false }] })] })}
        me={alice}
        onReact={onReact}
        {...messageListCallbacks}
      />,
    );
    const mine = screen.getByRole("button", { name: "👍 2 people, including you" });
    expect(mine).toHaveAttribute("aria-pressed", "true");
    await userEvent.click(mine);
    expect(onReact).toHaveBeenLastCalledWith(1, "👍", false);
    await userEvent.click(screen.getByRole("button", { name: "🎉 1 person" }));
    expect(onReact).toHaveBeenLastCalledWith(1, "🎉", true);

    await userEvent.click(screen.getByRole("button", { name: "Add reaction" }));
    await userEvent.click(await screen.findByRole("button", { name: "face with tears of joy" }));
    expect(onReact).toHaveBeenLastCalledWith(1, "😂", true);
    expect(screen.queryByRole("dialog", { name: "Pick a reaction" })).toBeNull();
  });

  it("reports the newest message as seen when it is at the bottom", () => {
    const onSeen = vi.fn();
    render(
      <MessageList
        list={list({ messages: [message(1), message(2)] })}
        me={alice}
        onSeen={onSeen}
        {...messageListCallbacks}
      />,
    );
    expect(onSeen).toHaveBeenCalledWith(2);
  });
});

describe("RoomList", () => {
  it("shows unread counts, except on the room being read, and direct rooms apart", () => {
    render(
      <RoomList
        rooms={[room(1, { unread_count: 4 }), room(2, { unread_count: 150 }), room(3, { name: "bob", is_direct: true, unread_count: 1 })]}
        activeRoomId={1}
        onJoin={asyncNoop}
        onCreate={asyncNoop}
      />,
    );
    const nav = screen.getByRole("navigation", { name: "Rooms" });
    expect(within(nav).getByRole("link", { name: /room1/ })).not.toHaveTextContent("4");
    expect(within(nav).getByRole("link", { name: /room2/ })).toHaveTextContent("99+ unread");
    const direct = screen.getByRole("list", { name: "Direct messages" });
    expect(within(direct).getByRole("link", { name: /bob/ })).toHaveTextContent("1 unread");
  });
});
