// The message list's ways around: the "N new messages" divider, "Jump to first unread" when it
// is in older pages, the "new messages below" pill, and an edit asked for from the composer.

import { act, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { MessageList } from "../components/message-list";
import type { Message } from "../lib/api-types";
import { alice, bob, listState as list, message, messageListCallbacks } from "./support";

const fromBob = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => message(from + i, { sender: bob }));
const log = () => screen.getByRole("log", { name: "Messages" });

// jsdom lays nothing out: give the list a height and contents taller than it, so that it
// scrolls (and a short first page does not ask for older ones by itself).
function tallList() {
  const restore: (() => void)[] = [];
  beforeEach(() => {
    for (const [name, value] of [
      ["scrollHeight", 1000],
      ["clientHeight", 200],
    ] as const) {
      const before = Object.getOwnPropertyDescriptor(HTMLElement.prototype, name);
      Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value });
      restore.push(() => {
        if (before) Object.defineProperty(HTMLElement.prototype, name, before);
      });
    }
    const scrollIntoView = Element.prototype.scrollIntoView;
    Element.prototype.scrollIntoView = vi.fn();
    restore.push(() => {
      Element.prototype.scrollIntoView = scrollIntoView;
    });
  });
  afterEach(() => {
    for (const undo of restore.splice(0)) undo();
  });
}

describe("the New messages divider", () => {
  it("says how many were unread", () => {
    render(<MessageList list={list({ messages: fromBob(1, 5) })} me={alice} dividerId={3} unreadCount={3} {...messageListCallbacks} />);
    const divider = screen.getByRole("separator", { name: "3 new messages" });
    expect(divider).toHaveTextContent("3 new messages");
    expect(divider.closest("li")?.nextElementSibling).toHaveTextContent("message 3");
  });
});

describe("Jump to first unread", () => {
  tallList();

  it("loads older pages until the first unread is among them, then shows it and focuses it", async () => {
    const onLoadOlder = vi.fn();
    const view = (messages: Message[], hasMore: boolean, dividerId: number | null) => (
      <MessageList
        list={list({ messages, hasMore })}
        me={alice}
        {...messageListCallbacks}
        onLoadOlder={onLoadOlder}
        dividerId={dividerId}
        unreadCount={160}
      />
    );
    // 160 unread after message 10; the newest 50 are loaded.
    const { rerender } = render(view(fromBob(121, 170), true, null));
    expect(screen.queryByRole("separator", { name: /new messages/ })).toBeNull();
    expect(onLoadOlder).not.toHaveBeenCalled(); // the view stays at the newest until asked

    await userEvent.click(screen.getByRole("button", { name: "Jump to first unread (160)" }));
    expect(onLoadOlder).toHaveBeenCalledTimes(1);
    rerender(view(fromBob(71, 170), true, null)); // a page came: not there yet, the next one
    expect(onLoadOlder).toHaveBeenCalledTimes(2);
    rerender(view(fromBob(1, 170), false, 11));
    expect(onLoadOlder).toHaveBeenCalledTimes(2);

    const divider = screen.getByRole("separator", { name: "160 new messages" });
    expect(divider.scrollIntoView).toHaveBeenCalledWith({ block: "start" });
    expect(log().querySelector('[data-message-id="11"]')).toHaveFocus();
    expect(screen.queryByRole("button", { name: /Jump to first unread/ })).toBeNull();
  });

  it("at opening shows a divider above the view; not one that scrolling up later reaches by itself", () => {
    // The divider is above the top of the list's box.
    const box = vi.spyOn(Element.prototype, "getBoundingClientRect").mockImplementation(function (this: Element) {
      return { top: this.classList.contains("unread-divider") ? -100 : 0 } as DOMRect;
    });
    const view = (messages: Message[], dividerId: number | null) => (
      <MessageList list={list({ messages, hasMore: true })} me={alice} {...messageListCallbacks} dividerId={dividerId} unreadCount={60} />
    );
    const first = render(view(fromBob(51, 150), 91));
    expect(screen.getByRole("separator", { name: "60 new messages" }).scrollIntoView).toHaveBeenCalledWith({ block: "start" });
    first.unmount();

    const { rerender } = render(view(fromBob(101, 150), null));
    rerender(view(fromBob(51, 150), 91));
    expect(screen.getByRole("separator", { name: "60 new messages" }).scrollIntoView).toHaveBeenCalledTimes(1); // only the first view's
    box.mockRestore();
  });
});

describe("the new messages below pill", () => {
  tallList();

  it("counts others' messages that came while scrolled up, and goes down to them", async () => {
    const view = (messages: Message[]) => <MessageList list={list({ messages })} me={alice} {...messageListCallbacks} />;
    const { rerender } = render(view(fromBob(1, 20)));
    rerender(view([...fromBob(1, 20), message(21, { sender: bob })]));
    expect(screen.queryByRole("button", { name: /below/ })).toBeNull(); // at the bottom: seen as they come

    act(() => {
      log().scrollTop = 100;
    });
    fireEvent.scroll(log());
    rerender(view([...fromBob(1, 21), message(22, { sender: bob }), message(23, { sender: alice })]));
    expect(screen.getByRole("button", { name: "1 new message below" })).toBeInTheDocument();
    rerender(view([...fromBob(1, 21), message(22, { sender: bob }), message(23, { sender: alice }), message(24, { sender: bob })]));

    await userEvent.click(screen.getByRole("button", { name: "2 new messages below" }));
    expect(log().scrollTop).toBe(1000);
    expect(screen.queryByRole("button", { name: /below/ })).toBeNull();
    expect(log().querySelector('[data-message-id="24"]')).toHaveFocus();
  });

  it("leaves a window far back to its own Jump to the newest", () => {
    const view = (messages: Message[]) => (
      <MessageList list={list({ messages, hasNewer: true })} me={alice} {...messageListCallbacks} onJumpToLatest={() => undefined} />
    );
    const { rerender } = render(view(fromBob(1, 20)));
    act(() => {
      log().scrollTop = 100;
    });
    fireEvent.scroll(log());
    rerender(view(fromBob(1, 25)));
    expect(screen.queryByRole("button", { name: /below/ })).toBeNull();
    expect(screen.getByRole("button", { name: /Jump to the newest messages/ })).toBeInTheDocument();
  });
});

describe("an edit asked for from the composer", () => {
  it("opens the message's edit form with the caret at the end; Enter saves, and the composer gets the focus back", async () => {
    const user = userEvent.setup();
    const onEdit = vi.fn(async () => undefined);
    const onDone = vi.fn();
    const messages = [message(1, { sender: alice, body: "first" }), message(2, { sender: bob }), message(3, { sender: alice, body: "typo hre" })];
    const view = (editRequest: { messageId: number; seq: number } | null) => (
      <MessageList list={list({ messages })} me={alice} {...messageListCallbacks} onEdit={onEdit} editRequest={editRequest} onEditRequestDone={onDone} />
    );
    const { rerender } = render(view(null));
    expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();

    rerender(view({ messageId: 3, seq: 1 }));
    const box = screen.getByRole("textbox", { name: "Edit message" }) as HTMLTextAreaElement;
    expect(box).toHaveFocus();
    expect(box.closest("li")).toHaveAttribute("data-message-id", "3");
    expect([box.selectionStart, box.selectionEnd]).toEqual([8, 8]);

    await user.keyboard("{Backspace}{Backspace}ere{Enter}");
    expect(onEdit).toHaveBeenCalledWith(3, "typo here");
    expect(onDone).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();

    // The same request again changes nothing; a new one opens it again (Escape: also back).
    rerender(view({ messageId: 3, seq: 1 }));
    expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();
    rerender(view({ messageId: 3, seq: 2 }));
    await user.keyboard("{Escape}");
    expect(onDone).toHaveBeenCalledTimes(2);
  });

  it("never opens someone else's message", () => {
    const messages = [message(1, { sender: bob })];
    const view = (editRequest: { messageId: number; seq: number } | null) => (
      <MessageList list={list({ messages })} me={alice} {...messageListCallbacks} editRequest={editRequest} />
    );
    const { rerender } = render(view(null));
    rerender(view({ messageId: 1, seq: 1 }));
    expect(within(log()).getByText("message 1")).toBeInTheDocument();
    expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();
  });
});
