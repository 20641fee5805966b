import { act, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { MessageList } from "../components/message-list";
import { ReactionBar } from "../components/reaction-bar";
import { alice, asyncNoop, bob, listState as list, message, messageListCallbacks } from "./support";

const fiveFrom = () => [1, 2, 3, 4, 5].map((id) => message(id, { sender: id % 2 ? alice : bob }));
// The message rows (a day separator is a list item of its own, holding a separator).
const items = () =>
  within(screen.getByRole("log", { name: "Messages" }))
    .getAllByRole("listitem")
    .filter((item) => item.hasAttribute("data-message-id"));
const tabStops = () => items().filter((item) => item.tabIndex === 0);

describe("MessageList: dense groups", () => {
  it("shows one name per group, a day separator, and keeps every message's sender for screen readers", () => {
    render(<MessageList list={list({ messages: [message(1), message(2), message(3, { sender: bob })] })} me={alice} {...messageListCallbacks} />);
    expect(screen.getAllByRole("separator").length).toBeGreaterThanOrEqual(1);
    const [first, second, third] = items();
    expect(first).not.toHaveClass("continuation");
    expect(second).toHaveClass("continuation");
    expect(third).not.toHaveClass("continuation");
    // The grouped line still names its sender (visually hidden) and keeps its time.
    expect(within(second as HTMLElement).getByText("alice")).toHaveClass("visually-hidden");
    expect((second as HTMLElement).querySelector("time")).not.toBeNull();
    expect(items()).toHaveLength(3);
  });

  it("keeps the actions in a toolbar, in the DOM and labelled", () => {
    render(
      <MessageList
        list={list({ messages: [message(1), message(2, { sender: bob })] })}
        me={alice}
        {...messageListCallbacks}
        onReply={vi.fn()}
        onReact={asyncNoop}
      />,
    );
    const [mine, theirs] = items() as [HTMLElement, HTMLElement];
    const toolbar = within(mine).getByRole("group", { name: "Message actions" });
    for (const name of ["Add reaction", "Reply to alice", "Edit message", "Delete message"]) {
      expect(within(toolbar).getByRole("button", { name })).toBeInTheDocument();
    }
    expect(within(theirs).queryByRole("button", { name: "Edit message" })).toBeNull();
    expect(within(theirs).getByRole("button", { name: "Reply to bob" })).toBeInTheDocument();
  });
});

describe("MessageList: roving focus", () => {
  it("has one tab stop, the newest message, and moves it with the arrows, Home and End", async () => {
    const user = userEvent.setup();
    render(<MessageList list={list({ messages: fiveFrom() })} me={alice} {...messageListCallbacks} onReact={asyncNoop} />);
    expect(screen.getByRole("log", { name: "Messages" }).tabIndex).toBe(-1);
    expect(tabStops()).toEqual([items()[4]]);

    await user.tab();
    expect(items()[4]).toHaveFocus();
    await user.keyboard("{ArrowUp}");
    expect(items()[3]).toHaveFocus();
    expect(tabStops()).toEqual([items()[3]]);
    await user.keyboard("{Home}");
    expect(items()[0]).toHaveFocus();
    await user.keyboard("{ArrowUp}");
    expect(items()[0]).toHaveFocus();
    await user.keyboard("{End}");
    expect(items()[4]).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(items()[4]).toHaveFocus();
    await user.keyboard("{ArrowUp}{ArrowUp}");
    expect(items()[2]).toHaveFocus();
    expect(tabStops()).toEqual([items()[2]]);
  });

  it("goes on with Tab into the focused message's toolbar only, and remembers where it was", async () => {
    const user = userEvent.setup();
    render(
      <>
        <MessageList list={list({ messages: fiveFrom() })} me={alice} {...messageListCallbacks} onReact={asyncNoop} onReply={vi.fn()} />
        <button type="button">after</button>
      </>,
    );
    await user.tab();
    await user.keyboard("{ArrowUp}");
    const current = items()[3] as HTMLElement;
    await user.tab();
    expect(within(current).getByRole("button", { name: "Add reaction" })).toHaveFocus();
    await user.tab();
    expect(within(current).getByRole("button", { name: "Reply to bob" })).toHaveFocus();
    // Past the last control of the message: out of the list, not into the other messages.
    await user.tab();
    expect(screen.getByRole("button", { name: "after" })).toHaveFocus();
    await user.tab({ shift: true });
    await user.tab({ shift: true });
    await user.tab({ shift: true });
    expect(current).toHaveFocus();
  });

  it("leaves the arrows to what is inside a message (an edit box)", async () => {
    const user = userEvent.setup();
    render(<MessageList list={list({ messages: fiveFrom() })} me={alice} {...messageListCallbacks} />);
    const last = items()[4] as HTMLElement;
    await user.click(within(last).getByRole("button", { name: "Edit message" }));
    const box = within(last).getByRole("textbox");
    box.focus();
    fireEvent.keyDown(box, { key: "ArrowUp" });
    expect(box).toHaveFocus();
    await user.keyboard("{Escape}");
  });

  it("lets the log itself be the tab stop while there are no messages", () => {
    render(<MessageList list={list({ messages: [] })} me={alice} {...messageListCallbacks} />);
    expect(screen.getByRole("log", { name: "Messages" }).tabIndex).toBe(0);
  });

  it("is busy until its first page has loaded", () => {
    const { rerender } = render(<MessageList list={list({ loaded: false })} me={alice} {...messageListCallbacks} />);
    expect(screen.getByRole("log", { name: "Messages" })).toHaveAttribute("aria-busy", "true");
    rerender(<MessageList list={list({ loaded: true })} me={alice} {...messageListCallbacks} />);
    expect(screen.getByRole("log", { name: "Messages" })).toHaveAttribute("aria-busy", "false");
  });
});

describe("ReactionBar: who reacted", () => {
  const reactions = [{ emoji: "👍", count: 2, me: true }];

  it("fetches who reacted on the first hover or focus, describes the chip, and refreshes when counts change", async () => {
    const load = vi
      .fn()
      .mockResolvedValueOnce([{ emoji: "👍", users: [alice, bob] }])
      .mockResolvedValueOnce([{ emoji: "👍", users: [alice, bob, { id: 3, username: "carol" }] }]);
    const props = { messageId: 7, picking: false, onPicked: vi.fn(), onReact: asyncNoop, loadReactors: load };
    const { rerender } = render(<ReactionBar {...props} reactions={reactions} />);
    const chip = screen.getByRole("button", { name: "👍 2 people, including you" });
    expect(load).not.toHaveBeenCalled();

    await act(async () => {
      chip.focus();
      await Promise.resolve();
    });
    expect(load).toHaveBeenCalledWith(7);
    expect(chip).toHaveAccessibleDescription(/👍 by alice and bob/);
    expect(screen.getByRole("tooltip", { hidden: true })).toHaveTextContent("👍 by alice and bob");

    // Hovering again with the same counts asks nothing more.
    fireEvent.pointerEnter(chip.parentElement as HTMLElement);
    expect(load).toHaveBeenCalledTimes(1);

    await act(async () => {
      rerender(<ReactionBar {...props} reactions={[{ emoji: "👍", count: 3, me: true }]} />);
      await Promise.resolve();
    });
    expect(load).toHaveBeenCalledTimes(2);
    expect(screen.getByRole("button", { name: "👍 3 people, including you" })).toHaveAccessibleDescription(
      /👍 by alice, bob and carol/,
    );
  });
});
