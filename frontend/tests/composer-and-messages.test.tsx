// The composer (the @ autocomplete, the reply being written, files on their way) and what a
// message shows of replies, files and mentions; the room list's mention badge; the room's
// notification setting; the notifications control, the Mentions list and the notifier.

import { act, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { Composer } from "../components/composer";
import { MentionsPanel } from "../components/mentions-panel";
import { MessageList } from "../components/message-list";
import { NotificationControls } from "../components/notification-controls";
import { RoomHeader } from "../components/room-header";
import { RoomList } from "../components/room-list";
import type { Attachment, Message, ReplyTo } from "../lib/api-types";
import { chatApi } from "../lib/chat-api";
import type { PendingUpload } from "../lib/draft";
import { SOUND_KEY } from "../lib/notifications";
import { useAppConnection } from "../lib/app-connection";
import { useMessageNotifications } from "../lib/use-message-notifications";
import { alice, asyncNoop, bob, carol, fakeTimersInEachTest, json, listState, message, messageListCallbacks, noop, recordingFetch, renderWithConnection, room, testClient } from "./support";

const members = [alice, bob, carol, { id: 4, username: "bobby" }];

function ComposerHarness(props: Partial<Parameters<typeof Composer>[0]> & { onSend?: (body: string) => void }) {
  return <Composer onSend={props.onSend ?? noop} onTyping={noop} members={members} meId={alice.id} {...props} />;
}

const box = () => screen.getByRole("textbox", { name: "Message" });

describe("Composer: @ suggestions", () => {
  it("lists the room's members matching what follows @, the first active", async () => {
    render(<ComposerHarness />);
    await userEvent.type(box(), "hi @bo");
    const list = screen.getByRole("listbox", { name: "People to mention" });
    const options = within(list).getAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual(["@bob", "@bobby"]);
    expect(options[0]).toHaveAttribute("aria-selected", "true");
    expect(box()).toHaveAttribute("aria-activedescendant", options[0]?.id);
    expect(box()).toHaveAttribute("aria-controls", list.id);
    expect(box()).toHaveAttribute("aria-autocomplete", "list");
    // The writer is not offered.
    await userEvent.clear(box());
    await userEvent.type(box(), "@al");
    expect(screen.queryByRole("listbox")).toBeNull();
  });

  it("moves with the arrow keys and inserts with Enter, without sending", async () => {
    const onSend = vi.fn();
    render(<ComposerHarness onSend={onSend} />);
    await userEvent.type(box(), "hi @bo");
    await userEvent.keyboard("{ArrowDown}");
    const options = screen.getAllByRole("option");
    expect(options[1]).toHaveAttribute("aria-selected", "true");
    expect(box()).toHaveAttribute("aria-activedescendant", options[1]?.id);
    await userEvent.keyboard("{ArrowDown}"); // wraps around
    expect(screen.getAllByRole("option")[0]).toHaveAttribute("aria-selected", "true");
    await userEvent.keyboard("{ArrowUp}{Enter}");
    expect(box()).toHaveValue("hi @bobby ");
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(box()).not.toHaveAttribute("aria-activedescendant");
    // Then Enter sends as usual.
    await userEvent.type(box(), "there{Enter}");
    expect(onSend).toHaveBeenCalledWith("hi @bobby there");
  });

  it("inserts with Tab, and with a click", async () => {
    render(<ComposerHarness />);
    await userEvent.type(box(), "@ca");
    await userEvent.keyboard("{Tab}");
    expect(box()).toHaveValue("@carol ");
    expect(box()).toHaveFocus();
    await userEvent.type(box(), "and @b");
    await userEvent.click(screen.getByRole("option", { name: "@bobby" }));
    expect(box()).toHaveValue("@carol and @bobby ");
    expect(box()).toHaveFocus();
  });

  it("closes with Escape until another @ is typed", async () => {
    render(<ComposerHarness />);
    await userEvent.type(box(), "@b");
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("listbox")).toBeNull();
    await userEvent.type(box(), "o");
    expect(screen.queryByRole("listbox")).toBeNull(); // the same @
    await userEvent.type(box(), " @c");
    expect(screen.getByRole("option", { name: "@carol" })).toBeInTheDocument();
  });
});

describe("Composer: replies and files", () => {
  const reply: ReplyTo = { id: 9, sender: bob, snippet: "Are we **on** for lunch?", deleted: false };

  it("shows what is replied to, cancelled by its button or by Escape", async () => {
    const onCancelReply = vi.fn();
    render(<ComposerHarness reply={reply} onCancelReply={onCancelReply} />);
    expect(screen.getByRole("group", { name: "Reply" })).toHaveTextContent("Replying to bob: Are we on for lunch?");
    await userEvent.click(screen.getByRole("button", { name: "Cancel reply to bob" }));
    expect(onCancelReply).toHaveBeenCalledTimes(1);
    await userEvent.type(box(), "x{Escape}");
    expect(onCancelReply).toHaveBeenCalledTimes(2);
  });

  it("takes the focus when a reply starts", () => {
    const { rerender } = render(<ComposerHarness />);
    expect(box()).not.toHaveFocus();
    rerender(<ComposerHarness reply={reply} focusRequest={1} />);
    expect(box()).toHaveFocus();
  });

  const attachment: Attachment = {
    id: 5,
    name: "plan.pdf",
    size: 2048,
    content_type: "application/pdf",
    width: null,
    height: null,
    url: "/api/v1/files/5/content",
    thumbnail_url: null,
  };
  const upload = (overrides: Partial<PendingUpload>): PendingUpload => ({
    key: "k",
    file: new File(["x"], "plan.pdf"),
    name: "plan.pdf",
    size: 2048,
    status: "uploading",
    sent: 512,
    total: 2048,
    attachment: null,
    error: null,
    ...overrides,
  });

  it("shows uploads with progress and waits for them before sending", async () => {
    const onSend = vi.fn();
    const { rerender } = render(<ComposerHarness onSend={onSend} uploads={[upload({})]} onAttach={noop} />);
    const chips = screen.getByRole("list", { name: "Files to send" });
    expect(within(chips).getByRole("progressbar", { name: "Uploading plan.pdf" })).toHaveAttribute("value", "25");
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();

    // Ready, and no words typed: the file's name is the text.
    rerender(<ComposerHarness onSend={onSend} uploads={[upload({ status: "done", attachment })]} onAttach={noop} />);
    expect(within(chips).getByText("Ready")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    expect(onSend).toHaveBeenCalledWith("plan.pdf");
  });

  it("says why an upload failed, with Retry and Remove", async () => {
    const onRetry = vi.fn();
    const onRemove = vi.fn();
    render(
      <ComposerHarness
        uploads={[upload({ status: "failed", error: "Too large: files may be at most 25.0 MB." })]}
        onAttach={noop}
        onRetryUpload={onRetry}
        onRemoveUpload={onRemove}
      />,
    );
    expect(screen.getByRole("alert")).toHaveTextContent("Too large: files may be at most 25.0 MB.");
    await userEvent.click(screen.getByRole("button", { name: "Retry uploading plan.pdf" }));
    expect(onRetry).toHaveBeenCalledWith("k");
    await userEvent.click(screen.getByRole("button", { name: "Remove plan.pdf" }));
    expect(onRemove).toHaveBeenCalledWith("k");
  });

  it("attaches pasted images and chosen files; pasted text stays text", async () => {
    const onAttach = vi.fn();
    const { container } = render(<ComposerHarness onAttach={onAttach} />);
    const image = new File(["png"], "shot.png", { type: "image/png" });
    fireEvent.paste(box(), { clipboardData: { files: [image], types: ["Files"] } });
    expect(onAttach).toHaveBeenLastCalledWith([image]);
    fireEvent.paste(box(), { clipboardData: { files: [image], types: ["text/plain", "Files"] } });
    expect(onAttach).toHaveBeenCalledTimes(1);

    const input = container.querySelector<HTMLInputElement>('input[type="file"]');
    if (!input) throw new Error("no file input");
    const doc = new File(["doc"], "doc.txt", { type: "text/plain" });
    await userEvent.upload(input, doc);
    expect(onAttach).toHaveBeenLastCalledWith([doc]);
    expect(screen.getByRole("button", { name: "Attach files" })).toBeEnabled();
  });
});

describe("a message: replies, files, mentions", () => {
  const png: Attachment = {
    id: 1,
    name: "cat.png",
    size: 50_000,
    content_type: "image/png",
    width: 1200,
    height: 900,
    url: "/api/v1/files/1/content?exp=1&sig=a",
    thumbnail_url: "/api/v1/files/1/thumb?exp=1&sig=a",
  };
  const pdf: Attachment = { ...png, id: 2, name: "plan.pdf", size: 2048, content_type: "application/pdf", width: null, height: null, thumbnail_url: null };

  function show(messages: Message[], extra: Partial<Parameters<typeof MessageList>[0]> = {}) {
    return render(<MessageList list={listState({ messages })} me={alice} {...messageListCallbacks} {...extra} />);
  }

  it("offers Reply, and quotes the original, which can be opened", async () => {
    const onReply = vi.fn();
    const onOpenOriginal = vi.fn();
    const original = message(1, { sender: bob, body: "Lunch?" });
    const answer = message(2, { sender: carol, body: "Yes", reply_to: { id: 1, sender: bob, snippet: "Lunch?", deleted: false } });
    show([original, answer], { onReply, onOpenOriginal });
    await userEvent.click(screen.getByRole("button", { name: "Reply to bob" }));
    expect(onReply).toHaveBeenCalledWith(original);
    const quote = screen.getByRole("button", { name: /^In reply to bob: Lunch\?/ });
    await userEvent.click(quote);
    expect(onOpenOriginal).toHaveBeenCalledWith(1);
  });

  it("says when the original is deleted", () => {
    show([message(2, { sender: carol, reply_to: { id: 1, sender: bob, snippet: "", deleted: true } })], { onOpenOriginal: noop });
    expect(screen.getByText("Original message deleted")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /In reply to/ })).toBeNull();
  });

  it("shows images as thumbnails sized for layout and other files as links; a broken image asks for fresh URLs", () => {
    const onFileError = vi.fn();
    show([message(3, { sender: bob, attachments: [png, pdf] })], { onFileError });
    const img = screen.getByRole("img", { name: "cat.png" });
    expect(img).toHaveAttribute("src", png.thumbnail_url);
    expect(img).toHaveAttribute("width", "320");
    expect(img).toHaveAttribute("height", "240");
    expect(img.closest("a")).toHaveAttribute("href", png.url);
    expect(img.closest("a")).toHaveAttribute("target", "_blank");
    expect(screen.getByRole("link", { name: /plan\.pdf/ })).toHaveTextContent("plan.pdf (2.0 KB)");

    fireEvent.error(img);
    expect(onFileError).toHaveBeenCalledWith(3);
    // Until a fresh URL comes, it is a plain link to the file.
    expect(screen.queryByRole("img", { name: "cat.png" })).toBeNull();
    expect(screen.getByRole("link", { name: /cat\.png/ })).toHaveAttribute("href", png.url);
  });

  it("marks a message that names the reader, and the name in it", () => {
    show([
      message(4, { sender: bob, body: "@alice look", mentions: [alice.id] }),
      message(5, { sender: bob, body: "@carol look", mentions: [carol.id] }),
      message(6, { sender: bob, body: "@room meeting", mentions_everyone: true }),
    ]);
    const rows = screen.getAllByRole("listitem").filter((item) => item.hasAttribute("data-message-id"));
    expect(rows[0]).toHaveClass("mentions-me");
    expect(rows[0]?.querySelector(".mention-self")).toHaveTextContent("@alice");
    expect(rows[0]).toHaveTextContent("(mentions you)");
    expect(rows[1]).not.toHaveClass("mentions-me");
    expect(rows[2]).toHaveClass("mentions-me");
  });

  it("renders a message on its way as formatted text, with its quote and files", () => {
    render(
      <MessageList
        list={listState({
          outbox: [
            {
              clientId: "c",
              body: "**soon** `here`",
              createdAt: "2026-01-01T00:00:00Z",
              replyTo: { id: 1, sender: bob, snippet: "q", deleted: false },
              attachments: [pdf],
              status: "pending",
              error: null,
            },
          ],
        })}
        me={alice}
        {...messageListCallbacks}
      />,
    );
    const pending = document.querySelector('[data-client-id="c"]');
    expect(pending?.querySelector("strong")).toHaveTextContent("soon");
    expect(pending?.querySelector("code")).toHaveTextContent("here");
    expect(pending).toHaveTextContent("plan.pdf");
    expect(pending?.querySelector(".reply-quote")).toHaveTextContent("bobq");
  });
});

describe("the room list and header", () => {
  it("shows a mention badge beside the unread count, not for the open room", () => {
    render(
      <RoomList
        rooms={[room(1, { name: "general", unread_count: 5, mention_count: 2 }), room(2, { name: "random", unread_count: 1, mention_count: 1 })]}
        activeRoomId={2}
        onJoin={asyncNoop}
        onCreate={asyncNoop}
      />,
    );
    const general = screen.getByRole("link", { name: /general/ });
    expect(within(general).getByTestId("mention-count")).toHaveTextContent("@2 mentions");
    expect(within(general).getByTestId("unread-count")).toHaveTextContent("5 unread");
    expect(within(screen.getByRole("link", { name: /random/ })).queryByTestId("mention-count")).toBeNull();
  });

  it("marks a muted room", () => {
    render(<RoomList rooms={[room(1, { name: "noisy", notify: "muted" })]} activeRoomId={null} onJoin={asyncNoop} onCreate={asyncNoop} />);
    expect(screen.getByRole("link", { name: /noisy/ })).toHaveTextContent("(muted)");
  });

  it("sets the room's notifications and says when that failed", async () => {
    const onNotifyChange = vi.fn(async () => undefined);
    const props = {
      room: room(1),
      memberCount: 2,
      status: "connected" as const,
      canEdit: false,
      settingsOpen: false,
      onToggleSettings: noop,
      onLeave: asyncNoop,
    };
    const { rerender } = render(<RoomHeader {...props} notify="mentions" onNotifyChange={onNotifyChange} />);
    const select = screen.getByRole("combobox", { name: "Notifications for this room" });
    expect(select).toHaveValue("mentions");
    await userEvent.selectOptions(select, "Muted");
    expect(onNotifyChange).toHaveBeenCalledWith("muted");

    const failing = vi.fn(async () => {
      throw new Error("Not allowed");
    });
    rerender(<RoomHeader {...props} notify="mentions" onNotifyChange={failing} />);
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Notifications for this room" }), "All messages");
    expect(await screen.findByRole("alert")).toHaveTextContent("Not allowed");
  });
});

describe("notifications control", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    localStorage.clear();
  });

  function stubNotification(permission: NotificationPermission, answer: NotificationPermission = "granted") {
    const requestPermission = vi.fn(async () => {
      Stub.permission = answer;
      return answer;
    });
    const Stub = Object.assign(vi.fn(), { permission, requestPermission });
    vi.stubGlobal("Notification", Stub);
    return Stub;
  }

  it("asks for permission only when clicked, then offers the sound (off by default)", async () => {
    const stub = stubNotification("default");
    render(<NotificationControls />);
    expect(stub.requestPermission).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: "Enable notifications" }));
    expect(stub.requestPermission).toHaveBeenCalledTimes(1);
    expect(await screen.findByText(/Desktop notifications are on/)).toBeInTheDocument();
    const sound = screen.getByRole("checkbox", { name: "Play a sound" });
    expect(sound).not.toBeChecked();
    await userEvent.click(sound);
    expect(sound).toBeChecked();
    expect(localStorage.getItem(SOUND_KEY)).toBe("on");
    await userEvent.click(sound);
    expect(localStorage.getItem(SOUND_KEY)).toBeNull();
  });

  it("says when the browser blocks them", () => {
    stubNotification("denied");
    render(<NotificationControls />);
    expect(screen.getByText(/Notifications are blocked/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Enable notifications" })).toBeNull();
  });
});

describe("Mentions list", () => {
  it("lists mentions newest first, pages on with before, and opens one", async () => {
    const first = [message(30, { sender: bob, body: "@alice **newest**", room_id: 1 }), message(20, { sender: carol, body: "@alice older", room_id: 2 })];
    const second = [message(10, { sender: bob, body: "@alice oldest", room_id: 1 })];
    const { fetch, calls } = recordingFetch((call) =>
      call.path.startsWith("/api/v1/token/refresh")
        ? json(200, { access_token: "a", refresh_token: "r", token_type: "bearer", expires_in: 900 })
        : json(200, call.path.includes("before=20") ? { messages: second, has_more: false } : { messages: first, has_more: true }),
    );
    const onOpen = vi.fn();
    render(
      <MentionsPanel
        api={chatApi(testClient(fetch))}
        rooms={[room(1, { name: "general", mention_count: 2 }), room(2, { name: "bob", is_direct: true })]}
        onOpen={onOpen}
      />,
    );
    expect(screen.getByTestId("mention-total")).toHaveTextContent("2 new");
    await userEvent.click(screen.getByRole("button", { name: /Mentions/ }));
    const panel = await screen.findByRole("region", { name: "Mentions of you" });
    await within(panel).findByText("@alice newest");
    expect(within(panel).getByText("#general")).toBeInTheDocument();
    expect(within(panel).getByText("@bob")).toBeInTheDocument();
    await userEvent.click(within(panel).getByRole("button", { name: "Older mentions" }));
    await within(panel).findByText("@alice oldest");
    expect(calls.map((c) => c.path).filter((p) => p.startsWith("/api/v1/mentions"))).toEqual([
      "/api/v1/mentions?limit=20",
      "/api/v1/mentions?before=20&limit=20",
    ]);
    await userEvent.click(within(panel).getByRole("button", { name: /older/ }));
    expect(onOpen).toHaveBeenCalledWith(first[1]);
    expect(screen.queryByRole("region", { name: "Mentions of you" })).toBeNull();
  });
});

describe("desktop notifications", () => {
  fakeTimersInEachTest();
  afterEach(() => {
    vi.unstubAllGlobals();
    Object.defineProperty(document, "visibilityState", { configurable: true, value: "visible" });
  });

  it("notify of a mention while the page is hidden, not otherwise; the click opens the message", async () => {
    const made: { title: string; options: NotificationOptions; instance: { onclick: (() => void) | null } }[] = [];
    class Stub {
      static permission = "granted";
      onclick: (() => void) | null = null;
      constructor(title: string, options: NotificationOptions) {
        made.push({ title, options, instance: this });
      }
      close() {
        return undefined;
      }
    }
    vi.stubGlobal("Notification", Stub);
    const open = vi.fn();
    const focus = vi.spyOn(window, "focus").mockImplementation(noop);
    const t = renderWithConnection(() => useMessageNotifications(useAppConnection(), open), {
      room: room(1, { name: "general", last_message_id: 3, last_read_id: 3, notify: "mentions" }),
    });
    await t.connect();

    t.receive({ type: "message", message: message(4, { sender: bob, body: "@alice while you look", mentions: [alice.id] }) });
    expect(made).toEqual([]); // the page is in view

    Object.defineProperty(document, "visibilityState", { configurable: true, value: "hidden" });
    t.receive({ type: "message", message: message(5, { sender: bob, body: "nobody named" }) });
    expect(made).toEqual([]); // "mentions" only
    t.receive({ type: "message", message: message(6, { sender: bob, body: "**@alice** come", mentions: [alice.id] }) });
    t.receive({ type: "message", message: message(6, { sender: bob, body: "**@alice** come", mentions: [alice.id] }) });
    expect(made).toHaveLength(1); // a copy does not notify again
    expect(made[0]?.title).toBe("bob in #general");
    expect(made[0]?.options).toMatchObject({ body: "@alice come", tag: "chat-message-6" });

    act(() => made[0]?.instance.onclick?.());
    expect(focus).toHaveBeenCalled();
    expect(open).toHaveBeenCalledWith("/chat/?room=1&message=6");
    focus.mockRestore();
  });
});
