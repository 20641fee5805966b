// Own messages on their way as the list shows them (a countdown, waiting their turn, refused for
// good), and the composer on a touch screen.

import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { Composer } from "../components/composer";
import { MessageList } from "../components/message-list";
import type { OutgoingMessage } from "../lib/message-list";
import { alice, listState, messageListCallbacks, noop } from "./support";

const outgoing = (clientId: string, overrides: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  clientId,
  body: `body of ${clientId}`,
  createdAt: "2026-01-01T12:00:00Z",
  replyTo: null,
  attachments: [],
  status: "pending",
  error: null,
  ...overrides,
});

const row = (clientId: string) => document.querySelector<HTMLElement>(`[data-client-id="${clientId}"]`) as HTMLElement;

describe("own messages on their way", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("counts down to the next try, with the later ones waiting their turn", () => {
    vi.useFakeTimers();
    const onDiscard = vi.fn();
    const list = listState({
      outbox: [
        outgoing("c-1", { status: "retrying", error: "Too many messages at once.", retryAt: Date.now() + 2500 }),
        outgoing("c-2"),
      ],
    });
    render(<MessageList list={list} me={alice} {...messageListCallbacks} onDiscard={onDiscard} />);
    expect(within(row("c-1")).getByText("Retrying in 3s")).toBeInTheDocument();
    expect(within(row("c-1")).getByText("Too many messages at once.")).toBeInTheDocument();
    expect(within(row("c-2")).getByText("Waiting to send")).toBeInTheDocument();

    act(() => vi.advanceTimersByTime(500));
    expect(within(row("c-1")).getByText("Retrying in 2s")).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(1999));
    expect(within(row("c-1")).getByText("Retrying in 1s")).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(1));
    expect(within(row("c-1")).getByText("Retrying…")).toBeInTheDocument();

    // It goes by itself: no Retry, but it may be taken back.
    expect(within(row("c-1")).queryByRole("button", { name: "Retry" })).toBeNull();
    act(() => within(row("c-1")).getByRole("button", { name: "Delete" }).click());
    expect(onDiscard).toHaveBeenCalledWith("c-1");
  });

  it("says Not sent, with Retry and Delete, for one refused for good", async () => {
    const onRetry = vi.fn();
    const onDiscard = vi.fn();
    const list = listState({ outbox: [outgoing("c-1", { status: "failed", error: "Too long" }), outgoing("c-2")] });
    render(<MessageList list={list} me={alice} {...messageListCallbacks} onRetry={onRetry} onDiscard={onDiscard} />);
    expect(within(row("c-1")).getByText("Not sent")).toBeInTheDocument();
    expect(within(row("c-1")).getByText("Too long")).toBeInTheDocument();
    expect(within(row("c-2")).getByText("Waiting to send")).toBeInTheDocument();
    await userEvent.click(within(row("c-1")).getByRole("button", { name: "Retry" }));
    expect(onRetry).toHaveBeenCalledWith("c-1");
    await userEvent.click(within(row("c-1")).getByRole("button", { name: "Delete" }));
    expect(onDiscard).toHaveBeenCalledWith("c-1");
  });

  it("says Sending… while all goes well", () => {
    render(<MessageList list={listState({ outbox: [outgoing("c-1"), outgoing("c-2")] })} me={alice} {...messageListCallbacks} />);
    expect(within(row("c-1")).getByText("Sending…")).toBeInTheDocument();
    expect(within(row("c-2")).getByText("Sending…")).toBeInTheDocument();
  });
});

describe("Composer on a touch screen", () => {
  const original = window.matchMedia;
  afterEach(() => {
    window.matchMedia = original;
  });

  function touchScreen(touch: boolean) {
    window.matchMedia = ((query: string) => ({
      matches: touch && query === "(pointer: coarse)",
      media: query,
      onchange: null,
      addEventListener: noop,
      removeEventListener: noop,
      addListener: noop,
      removeListener: noop,
      dispatchEvent: () => false,
    })) as typeof window.matchMedia;
  }

  it("makes a new line with Return and sends with the Send button", async () => {
    touchScreen(true);
    const onSend = vi.fn();
    render(<Composer onSend={onSend} onTyping={noop} />);
    const box = screen.getByRole("textbox", { name: "Message" });
    expect(box).toHaveAttribute("enterkeyhint", "enter");
    expect(box).toHaveAttribute("placeholder", "Write a message…");

    await userEvent.type(box, "first line{Enter}second line");
    expect(box).toHaveValue("first line\nsecond line");
    expect(onSend).not.toHaveBeenCalled();

    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    expect(onSend).toHaveBeenCalledWith("first line\nsecond line");
    expect(box).toHaveValue("");

    // A keyboard attached to the tablet: Ctrl+Enter sends.
    await userEvent.type(box, "typed{Control>}{Enter}{/Control}");
    expect(onSend).toHaveBeenLastCalledWith("typed");
  });

  it("sends with Enter elsewhere (a narrow desktop window too)", async () => {
    touchScreen(false);
    const onSend = vi.fn();
    render(<Composer onSend={onSend} onTyping={noop} />);
    const box = screen.getByRole("textbox", { name: "Message" });
    expect(box).toHaveAttribute("enterkeyhint", "send");
    await userEvent.type(box, "hello{Enter}");
    expect(onSend).toHaveBeenCalledWith("hello");
  });
});
