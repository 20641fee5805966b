// Issue 14, keyboard: the fuzzy matcher, the shortcuts and sidebar order, the room switcher,
// and Up in the empty composer.

import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { Composer } from "../components/composer";
import { RoomSwitcher } from "../components/room-switcher";
import { adjacentRoom, shortcutFor, sidebarOrder } from "../lib/app-keys";
import { fuzzyFilter, fuzzyMatch } from "../lib/fuzzy";
import { noop, room } from "./support";

const key = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe("fuzzyMatch", () => {
  it("finds the letters in order, anywhere", () => {
    expect(fuzzyMatch("gnl", "general")?.positions).toEqual([0, 2, 6]);
    expect(fuzzyMatch("GEN", "general")).not.toBeNull();
    expect(fuzzyMatch("lg", "general")).toBeNull();
    expect(fuzzyMatch("xyz", "general")).toBeNull();
    expect(fuzzyMatch("", "anything")?.score).toBe(0);
  });

  it("ranks an exact name, then a prefix, then a word start, then scattered letters", () => {
    const names = ["the-random-bits", "rand", "random", "r_a_n_d_o_m", "brandy"];
    expect(fuzzyFilter(names, "random", (n) => n)).toEqual(["random", "the-random-bits", "r_a_n_d_o_m"]);
    expect(fuzzyFilter(names, "rand", (n) => n).slice(0, 3)).toEqual(["rand", "random", "the-random-bits"]);
  });

  it("keeps the given order with no query, and for ties", () => {
    expect(fuzzyFilter(["b", "a", "c"], "  ", (n) => n)).toEqual(["b", "a", "c"]);
    expect(fuzzyFilter(["xa1", "xa2"], "xa", (n) => n)).toEqual(["xa1", "xa2"]);
  });
});

describe("shortcuts", () => {
  it("maps Ctrl/Cmd+K and Alt+Up/Down, nothing else", () => {
    expect(shortcutFor(key("k", { ctrlKey: true }))).toBe("switcher");
    expect(shortcutFor(key("K", { metaKey: true }))).toBe("switcher");
    expect(shortcutFor(key("k"))).toBeNull();
    expect(shortcutFor(key("k", { ctrlKey: true, shiftKey: true }))).toBeNull();
    expect(shortcutFor(key("ArrowUp", { altKey: true }))).toBe("previousRoom");
    expect(shortcutFor(key("ArrowDown", { altKey: true }))).toBe("nextRoom");
    expect(shortcutFor(key("ArrowDown"))).toBeNull();
    expect(shortcutFor({ ...key("k", { ctrlKey: true }), isComposing: true })).toBeNull();
  });

  it("walks the sidebar's order (rooms, then direct messages), wrapping around", () => {
    const rooms = [
      room(1, { name: "general" }),
      room(2, { name: "bob", is_direct: true }),
      room(3, { name: "art" }),
      room(4, { name: "lobby", joined: false }),
    ];
    expect(sidebarOrder(rooms).map((r) => r.id)).toEqual([3, 1, 2]);
    expect(adjacentRoom(rooms, 3, 1)?.id).toBe(1);
    expect(adjacentRoom(rooms, 1, 1)?.id).toBe(2);
    expect(adjacentRoom(rooms, 2, 1)?.id).toBe(3);
    expect(adjacentRoom(rooms, 3, -1)?.id).toBe(2);
    expect(adjacentRoom([], 1, 1)).toBeNull();
  });
});

describe("RoomSwitcher", () => {
  const rooms = [room(1, { name: "general" }), room(2, { name: "bobby", is_direct: true, unread_count: 2 }), room(3, { name: "random" })];

  it("filters by name, arrows choose, Enter opens", async () => {
    const user = userEvent.setup();
    const onOpen = vi.fn();
    render(<RoomSwitcher rooms={rooms} activeRoomId={1} onOpen={onOpen} onClose={noop} />);
    const input = screen.getByRole("combobox", { name: "Room or person" });
    expect(input).toHaveFocus();
    // With nothing typed, the room being read comes last.
    const options = () => within(screen.getByRole("listbox")).getAllByRole("option");
    expect(options().map((o) => o.textContent)).toEqual(["#randomRoom", "@bobbyDirect message2 unread", "#generalRoom"]);
    await user.type(input, "bb");
    expect(options()).toHaveLength(1);
    expect(options()[0]).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Enter}");
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ id: 2 }));

    await user.clear(input);
    await user.type(input, "r");
    await user.keyboard("{ArrowDown}");
    expect(input).toHaveAttribute("aria-activedescendant", options()[1]?.id);
  });

  it("closes with Esc", async () => {
    const onClose = vi.fn();
    render(<RoomSwitcher rooms={rooms} activeRoomId={1} onOpen={noop} onClose={onClose} />);
    await userEvent.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
  });
});

describe("Composer: keyboard", () => {
  it("Up in the empty box asks to edit the last message; not once there is text", async () => {
    const user = userEvent.setup();
    const onEditLast = vi.fn(() => true);
    render(<Composer onSend={noop} onTyping={noop} onEditLast={onEditLast} autoFocus inputId="composer" />);
    const box = screen.getByRole("textbox", { name: "Message" });
    expect(box).toHaveFocus();
    expect(box).toHaveAttribute("id", "composer");
    await user.keyboard("{ArrowUp}");
    expect(onEditLast).toHaveBeenCalledTimes(1);
    await user.type(box, "hi");
    await user.keyboard("{ArrowUp}");
    expect(onEditLast).toHaveBeenCalledTimes(1);
  });
});
