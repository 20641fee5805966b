// The draft under the composer (the reply, files for the next send), upload errors in words,
// the upload transport (XMLHttpRequest with progress and bearer auth), and what a send carries.

import { act } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { ApiClient } from "../lib/api-client";
import { ApiError } from "../lib/api-error";
import type { Attachment, ClientFrame } from "../lib/api-types";
import { sendBody } from "../lib/chat-api";
import {
  draftReducer,
  filesBody,
  formatBytes,
  initialDraftState,
  MAX_ATTACHMENTS,
  readyAttachments,
  replyLabel,
  replyTarget,
  roomForFiles,
  uploadErrorMessage,
  uploading,
  type DraftAction,
  type DraftState,
} from "../lib/draft";
import { useAppConnection } from "../lib/app-connection";
import { memoryTokenStorage } from "../lib/token-storage";
import { useOutbox } from "../lib/use-outbox";
import { useRoomHistory } from "../lib/use-room-history";
import { bob, fakeTimersInEachTest, flush, message, reduceList, renderWithConnection, tokenPair } from "./support";

const draft = (actions: DraftAction[], from: DraftState = initialDraftState) => actions.reduce(draftReducer, from);
const file = (name: string, size = 10) => new File(["x".repeat(size)], name, { type: "image/png" });
const attachment = (id: number, name = `file${id}.png`): Attachment => ({
  id,
  name,
  size: 10,
  content_type: "image/png",
  width: 20,
  height: 10,
  url: `/api/v1/files/${id}/content?exp=1&sig=s`,
  thumbnail_url: `/api/v1/files/${id}/thumb?exp=1&sig=s`,
});

describe("reply state", () => {
  it("quotes the message answered (its first 200 characters) until sent or cancelled", () => {
    const original = message(7, { sender: bob, body: `${"a".repeat(250)}` });
    const replying = draft([{ type: "replyStarted", message: original }]);
    expect(replying.replyTo).toEqual({ id: 7, sender: bob, snippet: "a".repeat(200), deleted: false });
    expect(draft([{ type: "replyCancelled" }], replying).replyTo).toBeNull();
    expect(draft([{ type: "sent" }], replying).replyTo).toBeNull();
    // Another reply replaces the first.
    expect(draft([{ type: "replyStarted", message: message(8, { body: "other" }) }], replying).replyTo?.id).toBe(8);
  });

  it("says what is answered", () => {
    expect(replyLabel(replyTarget(message(1, { sender: bob, body: "lunch?" })))).toBe("Replying to bob: lunch?");
    expect(replyLabel({ id: 1, sender: bob, snippet: "", deleted: true })).toBe("Replying to bob: (deleted message)");
  });
});

describe("files in the draft", () => {
  it("go from uploading (with progress) to ready, and only ready ones go with a send", () => {
    let state = draft([
      { type: "uploadStarted", key: "a", file: file("a.png", 100) },
      { type: "uploadStarted", key: "b", file: file("b.png") },
      { type: "uploadProgress", key: "a", sent: 40, total: 200 },
    ]);
    expect(state.uploads[0]).toMatchObject({ name: "a.png", size: 100, status: "uploading", sent: 40, total: 200 });
    expect(uploading(state)).toBe(true);
    state = draft([{ type: "uploadDone", key: "a", attachment: attachment(1, "a.png") }], state);
    expect(readyAttachments(state).map((a) => a.id)).toEqual([1]);
    state = draft([{ type: "uploadFailed", key: "b", error: "Too large." }], state);
    expect(uploading(state)).toBe(false);
    expect(state.uploads[1]).toMatchObject({ status: "failed", error: "Too large." });

    // Sent: the ready file is done with; the failed one stays, to retry or remove.
    state = draft([{ type: "sent" }], state);
    expect(state.uploads.map((u) => u.key)).toEqual(["b"]);
    state = draft([{ type: "uploadRetried", key: "b" }], state);
    expect(state.uploads[0]).toMatchObject({ status: "uploading", sent: 0, error: null });
    expect(draft([{ type: "uploadRemoved", key: "b" }], state).uploads).toEqual([]);
  });

  it("takes at most ten and says how many were left out", () => {
    let state = initialDraftState;
    for (let i = 0; i < MAX_ATTACHMENTS; i += 1) state = draft([{ type: "uploadStarted", key: `k${i}`, file: file(`${i}.png`) }], state);
    expect(roomForFiles(state)).toBe(0);
    state = draft([{ type: "tooMany", count: 2 }], state);
    expect(state.notice).toBe("At most 10 files per message: 2 files were left out.");
    expect(draft([{ type: "uploadRemoved", key: "k0" }], state).notice).toBeNull();
  });

  it("a message of files alone is sent with their names as its text", () => {
    expect(filesBody([attachment(1, "a.png"), attachment(2, "notes.txt")])).toBe("a.png, notes.txt");
  });

  it("sizes read as people expect", () => {
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(920)).toBe("920 bytes");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(25 * 1024 * 1024)).toBe("25.0 MB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MB");
  });
});

describe("upload errors in words", () => {
  it("too large, quota, rate limit with its wait, refused files, no connection", () => {
    expect(uploadErrorMessage(new ApiError(413, "file is larger than 25.0 MB (MAX_UPLOAD_BYTES)"))).toBe(
      "Too large: files may be at most 25.0 MB.",
    );
    expect(uploadErrorMessage(new ApiError(413, "Request body too large"))).toBe("Too large to upload.");
    expect(
      uploadErrorMessage(
        new ApiError(413, "upload quota exceeded: 1,000.0 MB of 1,024.0 MB used; deleting messages with files frees space"),
      ),
    ).toBe("Your upload quota is used up (1,000.0 MB of 1,024.0 MB used). Deleting messages with files frees space.");
    expect(uploadErrorMessage(new ApiError(429, "Too many requests", {}, 90))).toBe("Too many uploads for now. Try again in 2 minutes.");
    expect(uploadErrorMessage(new ApiError(429, "Too many requests", {}, 1))).toBe("Too many uploads for now. Try again in 1 second.");
    expect(uploadErrorMessage(new ApiError(429, "Too many requests"))).toBe("Too many uploads for now. Try again later.");
    expect(uploadErrorMessage(new ApiError(422, "x", { file: "the image does not decode" }))).toBe(
      "This file cannot be sent: the image does not decode.",
    );
    expect(uploadErrorMessage(new ApiError(404, "Not found"))).toBe("You cannot upload files to this room.");
    expect(uploadErrorMessage(new ApiError(0, "offline"))).toBe("The upload did not reach the server. Check your connection and retry.");
    expect(uploadErrorMessage(new DOMException("stop", "AbortError"))).toBe("Upload cancelled.");
  });
});

/** An XMLHttpRequest that answers what the test says, recording what was sent. */
function fakeXhrs(answers: { status: number; body: unknown; headers?: Record<string, string> }[]) {
  const sent: { url: string; headers: Record<string, string>; body: unknown }[] = [];
  const make = () => {
    const headers: Record<string, string> = {};
    let url = "";
    let answer: (typeof answers)[number] | undefined;
    const xhr = {
      status: 0,
      statusText: "",
      responseText: "",
      upload: { onprogress: null as ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null },
      onload: null as (() => void) | null,
      onerror: null as (() => void) | null,
      onabort: null as (() => void) | null,
      open: (_method: string, target: string) => {
        url = target;
      },
      setRequestHeader: (name: string, value: string) => {
        headers[name] = value;
      },
      getResponseHeader: (name: string) => answer?.headers?.[name] ?? (name === "Content-Type" ? "application/json" : null),
      abort: () => xhr.onabort?.(),
      send: (body: unknown) => {
        sent.push({ url, headers, body });
        answer = answers.shift();
        queueMicrotask(() => {
          if (!answer) {
            xhr.onerror?.();
            return;
          }
          xhr.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 });
          xhr.status = answer.status;
          xhr.responseText = JSON.stringify(answer.body);
          xhr.onload?.();
        });
      },
    };
    return xhr as unknown as XMLHttpRequest;
  };
  return { make, sent };
}

function uploadClient(answers: Parameters<typeof fakeXhrs>[0]) {
  const xhrs = fakeXhrs(answers);
  const fetch = vi.fn(async () => new Response(JSON.stringify(tokenPair(2)), { status: 200, headers: { "Content-Type": "application/json" } }));
  const client = new ApiClient({
    fetch: fetch as unknown as typeof globalThis.fetch,
    storage: memoryTokenStorage("refresh-1"),
    lock: (_name, task) => task(),
    xhr: xhrs.make,
  });
  return { client, xhrs, fetch };
}

describe("ApiClient.upload", () => {
  it("posts the form with the bearer token and reports progress", async () => {
    const { client, xhrs } = uploadClient([{ status: 201, body: attachment(3) }]);
    const progress = vi.fn();
    const form = new FormData();
    const answer = await client.upload<Attachment>("/rooms/1/files", form, { onProgress: progress });
    expect(answer.id).toBe(3);
    expect(xhrs.sent[0]?.url).toBe("/api/v1/rooms/1/files");
    expect(xhrs.sent[0]?.headers.Authorization).toBe("Bearer access-2");
    expect(xhrs.sent[0]?.body).toBe(form);
    expect(progress).toHaveBeenCalledWith(50, 100);
  });

  it("refreshes once on 401 and tries again", async () => {
    const { client, xhrs, fetch } = uploadClient([
      { status: 401, body: { detail: "token expired" } },
      { status: 201, body: attachment(4) },
    ]);
    expect((await client.upload<Attachment>("/rooms/1/files", new FormData())).id).toBe(4);
    expect(xhrs.sent).toHaveLength(2);
    expect(fetch).toHaveBeenCalledTimes(2); // the first token, then the refresh after the 401
  });

  it("turns a refusal into an ApiError with Retry-After, and a lost connection into status 0", async () => {
    const { client } = uploadClient([{ status: 429, body: { detail: "Too many requests" }, headers: { "Retry-After": "30" } }]);
    const error = await client.upload("/rooms/1/files", new FormData()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, retryAfter: 30 });
    expect(uploadErrorMessage(error)).toBe("Too many uploads for now. Try again in 30 seconds.");

    const offline = uploadClient([]);
    await expect(offline.client.upload("/rooms/1/files", new FormData())).rejects.toMatchObject({ status: 0 });
  });

  it("stops when aborted", async () => {
    const { client } = uploadClient([{ status: 201, body: attachment(5) }]);
    const controller = new AbortController();
    controller.abort();
    await expect(client.upload("/rooms/1/files", new FormData(), { signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("a send with a reply and files", () => {
  fakeTimersInEachTest();
  function setup(connected: boolean) {
    const frames: ClientFrame[] = [];
    // Inside the app's connection: the outbox reads the server's refusals on its socket.
    const connection = renderWithConnection(() => {
      const { api } = useAppConnection();
      const history = useRoomHistory(1, api);
      const outbox = useOutbox(1, {
        api,
        dispatch: history.dispatch,
        current: history.current,
        sendFrame: (frame) => {
          if (!connected) return false;
          frames.push(frame);
          return true;
        },
      });
      return { list: history.list, outbox };
    }, { stored: [] });
    return { ...connection, frames, current: connection.value };
  }
  const replyTo = replyTarget(message(3, { sender: bob, body: "question" }));

  it("carries reply_to and the attachment ids on the socket, and shows them while pending", () => {
    const t = setup(true);
    act(() => t.current().outbox.send("answer", { replyTo, attachments: [attachment(8), attachment(9)] }));
    const [item] = t.current().list.outbox;
    expect(t.frames).toEqual([
      { type: "message", room_id: 1, body: "answer", client_id: item?.clientId, reply_to: 3, attachments: [8, 9] },
    ]);
    expect(item).toMatchObject({ replyTo, attachments: [attachment(8), attachment(9)] });
  });

  it("carries them over HTTP too when the socket is down", async () => {
    const t = setup(false);
    const send = vi.spyOn(t.api.messages, "send");
    act(() => t.current().outbox.send("answer", { replyTo, attachments: [attachment(8)] }));
    await flush();
    expect(send).toHaveBeenCalledWith(1, "answer", expect.any(String), { replyTo: 3, attachments: [8] });
    expect(t.requests).toContain("POST /api/v1/rooms/1/messages");
    expect(sendBody("answer", "c-1", { replyTo: 3, attachments: [8] })).toEqual({
      body: "answer",
      client_id: "c-1",
      reply_to: 3,
      attachments: [8],
    });
  });

  it("a plain message carries neither", () => {
    const t = setup(true);
    act(() => t.current().outbox.send("plain"));
    expect(t.frames[0]).not.toHaveProperty("reply_to");
    expect(t.frames[0]).not.toHaveProperty("attachments");
  });
});

describe("the message list and replies, files", () => {
  it("takes fresh file URLs for a message it holds", () => {
    const held = reduceList([
      { type: "pageLoaded", messages: [message(1, { attachments: [attachment(1)] })], hasMore: false, position: "latest" },
    ]);
    const fresh = { ...attachment(1), thumbnail_url: "/api/v1/files/1/thumb?exp=2&sig=t" };
    const next = reduceList([{ type: "refreshed", message: message(1, { attachments: [fresh] }) }], held);
    expect(next.messages[0]?.attachments[0]?.thumbnail_url).toBe("/api/v1/files/1/thumb?exp=2&sig=t");
  });

  it("marks replies whose original is deleted", () => {
    const quote = { id: 1, sender: bob, snippet: "question", deleted: false };
    const held = reduceList([
      { type: "pageLoaded", messages: [message(1), message(2, { reply_to: quote }), message(3)], hasMore: false, position: "latest" },
    ]);
    const next = reduceList([{ type: "deleted", messageId: 1 }], held);
    expect(next.messages[1]?.reply_to).toEqual({ ...quote, deleted: true, snippet: "" });
    expect(next.messages[2]).toBe(held.messages[2]); // the others are untouched
  });
});
