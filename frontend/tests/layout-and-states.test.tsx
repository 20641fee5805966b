// Issue 14: the sidebar's "+" dialog and collapsible groups, the member panel toggle, and the
// states in words (connection banner, friendly server errors).

import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { connectionBannerText } from "../components/connection-banner";
import { RoomHeader } from "../components/room-header";
import { RoomList } from "../components/room-list";
import { ApiError, describeError } from "../lib/api-error";
import { PREF_KEYS } from "../lib/app-prefs";
import { asyncNoop, noop, room } from "./support";

afterEach(() => localStorage.clear());

describe("RoomList: New room dialog", () => {
  it("opens from +, keeps the focus inside, closes with Esc and gives the focus back", async () => {
    const user = userEvent.setup();
    render(<RoomList rooms={[room(1)]} activeRoomId={1} onJoin={asyncNoop} onCreate={asyncNoop} />);
    expect(screen.queryByLabelText("Room name")).not.toBeInTheDocument();
    const plus = screen.getByRole("button", { name: "New room" });
    await user.click(plus);
    const dialog = screen.getByRole("dialog", { name: "New room" });
    expect(dialog).toHaveAttribute("aria-modal", "true");
    // The name first; Tab from the last control wraps around to Close.
    expect(within(dialog).getByLabelText("Room name")).toHaveFocus();
    await user.tab();
    await user.tab();
    expect(within(dialog).getByRole("button", { name: "Create room" })).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole("button", { name: "Close" })).toHaveFocus();
    await user.keyboard("{Shift>}{Tab}{/Shift}");
    expect(within(dialog).getByRole("button", { name: "Create room" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(plus).toHaveFocus();
  });

  it("creates the room and closes", async () => {
    const user = userEvent.setup();
    const onCreate = vi.fn(async () => undefined);
    render(<RoomList rooms={[room(1)]} activeRoomId={1} onJoin={asyncNoop} onCreate={onCreate} />);
    await user.click(screen.getByRole("button", { name: "New room" }));
    await user.type(screen.getByLabelText("Room name"), "plans");
    await user.click(screen.getByLabelText("Private (invite only)"));
    await user.click(screen.getByRole("button", { name: "Create room" }));
    expect(onCreate).toHaveBeenCalledWith("plans", true);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("collapses the public rooms and remembers it", async () => {
    const user = userEvent.setup();
    const rooms = [room(1), room(5, { name: "lobby", joined: false })];
    const { unmount } = render(<RoomList rooms={rooms} activeRoomId={1} onJoin={asyncNoop} onCreate={asyncNoop} />);
    const toggle = screen.getByRole("button", { name: /Public rooms/ });
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(screen.getByRole("button", { name: "Join lobby" })).toBeVisible();
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByRole("button", { name: "Join lobby" })).not.toBeInTheDocument();
    expect(localStorage.getItem(PREF_KEYS.publicRoomsOpen)).toBe("0");
    unmount();
    render(<RoomList rooms={rooms} activeRoomId={1} onJoin={asyncNoop} onCreate={asyncNoop} />);
    expect(screen.getByRole("button", { name: /Public rooms/ })).toHaveAttribute("aria-expanded", "false");
  });
});

describe("RoomHeader: member panel toggle", () => {
  it("says whether the panel is shown and toggles it", async () => {
    const onToggleMembers = vi.fn();
    render(
      <RoomHeader
        room={room(1)}
        memberCount={2}
        status="connected"
        canEdit={false}
        settingsOpen={false}
        onToggleSettings={noop}
        onLeave={asyncNoop}
        membersOpen
        onToggleMembers={onToggleMembers}
      />,
    );
    const toggle = screen.getByRole("button", { name: /Members/ });
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(toggle).toHaveAttribute("aria-controls", "room-aside");
    await userEvent.click(toggle);
    expect(onToggleMembers).toHaveBeenCalled();
  });
});

describe("states in words", () => {
  it("the banner says what happens to messages while the connection is down", () => {
    expect(connectionBannerText("connected")).toBeNull();
    expect(connectionBannerText("connecting")).toBeNull();
    expect(connectionBannerText("reconnecting")).toBe("Reconnecting… Messages you send will go when we're back.");
    expect(connectionBannerText("offline")).toContain("You're offline.");
  });

  it("never shows a bare status or a server crash's text", () => {
    expect(describeError(new ApiError(500, "Internal Server Error"))).toBe("Something went wrong on the server. Try again in a moment.");
    expect(describeError(new ApiError(500, "Traceback (most recent call last): ..."))).not.toContain("Traceback");
    expect(describeError(new ApiError(502, "Bad Gateway"))).toBe("The server is not answering right now. Try again in a moment.");
    expect(describeError(new ApiError(404, "Not Found"))).toBe("That could not be found: it may have been deleted.");
    expect(describeError(new ApiError(400, "Request failed (400)"))).not.toContain("400");
    expect(describeError(new ApiError(429, "Too Many Requests", {}, 30))).toBe("Too many requests. Try again in 30 seconds.");
    expect(describeError(new Error("Internal Server Error"))).toBe("Something went wrong. Try again in a moment.");
  });

  it("keeps the server's own words for a request it refused", () => {
    expect(describeError(new ApiError(409, "Username already taken"))).toBe("Username already taken");
    expect(describeError(new ApiError(0, "Cannot reach the server. Check your connection and try again."))).toContain("Cannot reach");
    expect(describeError("boom")).toBe("Something went wrong. Try again in a moment.");
  });
});
