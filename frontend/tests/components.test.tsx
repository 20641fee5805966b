import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { Composer } from "../components/composer";
import { ConnectionBadge } from "../components/connection-badge";
import { MessageList } from "../components/message-list";
import { alice, bob, listState, message, messageListCallbacks } from "./support";

describe("Composer", () => {
  it("sends on Enter and makes a new line on Shift+Enter", async () => {
    const onSend = vi.fn();
    render(<Composer onSend={onSend} onTyping={() => undefined} />);
    const box = screen.getByLabelText("Message");

    await userEvent.type(box, "first line{Shift>}{Enter}{/Shift}second line");
    expect(box).toHaveValue("first line\nsecond line");
    expect(onSend).not.toHaveBeenCalled();

    await userEvent.type(box, "{Enter}");
    expect(onSend).toHaveBeenCalledWith("first line\nsecond line");
    expect(box).toHaveValue("");
  });

  it("does not send blank messages", async () => {
    const onSend = vi.fn();
    render(<Composer onSend={onSend} onTyping={() => undefined} />);
    await userEvent.type(screen.getByLabelText("Message"), "   {Enter}");
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
  });

  it("shows a counter near the 4000-character limit and blocks sending beyond it", () => {
    render(<Composer onSend={() => undefined} onTyping={() => undefined} />);
    const box = screen.getByLabelText("Message");
    fireEvent.change(box, { target: { value: "a".repeat(3400) } });
    expect(screen.queryByText(/left$/)).toBeNull();

    fireEvent.change(box, { target: { value: "a".repeat(3990) } });
    expect(screen.getByText("10 left")).toBeInTheDocument();

    fireEvent.change(box, { target: { value: "a".repeat(4005) } });
    expect(screen.getByText("5 over the limit")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
  });
});

describe("MessageList", () => {
  it("shows message bodies as text, never as HTML", () => {
    const list = listState({
      messages: [message(1, { sender: bob, body: '<img src=x onerror="alert(1)"><b>bold</b>' })],
    });
    const { container } = render(<MessageList list={list} me={alice} {...messageListCallbacks} />);
    expect(screen.getByText('<img src=x onerror="alert(1)"><b>bold</b>')).toBeInTheDocument();
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
  });

  it("is a log region named Messages, with edit and delete only on own messages", () => {
    const list = listState({
      messages: [message(1, { sender: alice }), message(2, { sender: bob })],
    });
    render(<MessageList list={list} me={alice} {...messageListCallbacks} />);
    expect(screen.getByRole("log", { name: "Messages" })).toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: "Edit message" })).toHaveLength(1);
    expect(screen.getAllByRole("button", { name: "Delete message" })).toHaveLength(1);
  });

  it("offers a retry for a failed send", async () => {
    const onRetry = vi.fn();
    const list = listState({
      outbox: [{ clientId: "c-1", body: "hi", createdAt: "2026-01-01T00:00:00Z", replyTo: null, attachments: [], status: "failed", error: "Slow down" }],
    });
    render(<MessageList list={list} me={alice} {...messageListCallbacks} onRetry={onRetry} />);
    expect(screen.getByText("Not sent")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(onRetry).toHaveBeenCalledWith("c-1");
  });
});

describe("ConnectionBadge", () => {
  it.each([
    ["connected", "Connected"],
    ["reconnecting", "Reconnecting…"],
    ["offline", "Offline"],
  ] as const)("says %s", (status, text) => {
    render(<ConnectionBadge status={status} />);
    expect(screen.getByRole("status")).toHaveTextContent(text);
  });
});
