// useRoomHistory on its own: the pages it loads into the message list, what it tells the
// person (failures), and changes made over HTTP.

import { act, renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { ApiError } from "../lib/api-error";
import { useRoomHistory } from "../lib/use-room-history";
import { fakeBackend, fakeTimersInEachTest, flush, ids, message, messages } from "./support";

fakeTimersInEachTest();

/** The ids from `from` to `to`. */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function setup(stored = messages(100)) {
  const backend = fakeBackend(stored);
  const onError = vi.fn();
  const hook = renderHook(() => useRoomHistory(1, backend.api, { onError }));
  const history = () => hook.result.current;
  const historyRequests = () => backend.requests.filter((r) => r.includes("/chat/history"));
  return { ...backend, onError, hook, history, historyRequests };
}

describe("useRoomHistory", () => {
  it("loads the newest page and tells its last message id", async () => {
    const t = setup();
    let resumeAfter: number | null = null;
    await act(async () => {
      resumeAfter = await t.history().loadLatest();
    });
    expect(resumeAfter).toBe(100);
    expect(ids(t.history().list.messages)).toEqual(range(51, 100));
    expect(t.history().list).toMatchObject({ loaded: true, hasMore: true });
    expect(t.history().current()).toBe(t.history().list);
  });

  it("applies nothing once the caller is gone", async () => {
    const t = setup();
    await act(async () => {
      await t.history().loadLatest(() => false);
    });
    expect(t.history().list.loaded).toBe(false);
  });

  it("loads the messages around a message jumped to, and resumes only once they reach the newest", async () => {
    const t = setup();
    let resumeAfter: number | null = 0;
    await act(async () => {
      resumeAfter = await t.history().loadAround(30);
    });
    expect(t.historyRequests().sort()).toEqual([
      "GET /api/v1/chat/history?room_id=1&after=30&limit=25",
      "GET /api/v1/chat/history?room_id=1&before=31&limit=25",
    ]);
    expect(resumeAfter).toBeNull();
    expect(ids(t.history().list.messages)).toEqual(range(6, 55));
    expect(t.history().list).toMatchObject({ hasMore: true, hasNewer: true });

    await act(async () => {
      resumeAfter = await t.history().loadAround(90);
    });
    expect(resumeAfter).toBe(100);
    expect(t.history().list.hasNewer).toBe(false);
  });

  it("pages back once at a time until the first message", async () => {
    const t = setup();
    await act(async () => {
      await t.history().loadLatest();
    });
    act(() => t.history().loadOlder());
    act(() => t.history().loadOlder()); // already loading: ignored
    await flush();
    expect(t.historyRequests()).toEqual([
      "GET /api/v1/chat/history?room_id=1&limit=50",
      "GET /api/v1/chat/history?room_id=1&before=51&limit=50",
    ]);
    expect(ids(t.history().list.messages)).toEqual(range(1, 100));
    expect(t.history().list.hasMore).toBe(false);

    act(() => t.history().loadOlder()); // nothing older
    await flush();
    expect(t.historyRequests()).toHaveLength(2);
  });

  it("pages forward from a jump until the newest message", async () => {
    const t = setup();
    await act(async () => {
      await t.history().loadAround(30);
    });
    act(() => t.history().loadNewer());
    await flush();
    expect(t.historyRequests().at(-1)).toBe("GET /api/v1/chat/history?room_id=1&after=55&limit=50");
    expect(ids(t.history().list.messages)).toEqual(range(6, 100));
    expect(t.history().list.hasNewer).toBe(false);
  });

  it("jumps back to the newest messages", async () => {
    const t = setup();
    await act(async () => {
      await t.history().loadAround(10);
    });
    act(() => t.history().jumpToLatest());
    await flush();
    expect(ids(t.history().list.messages)).toEqual(range(51, 100));
    expect(t.history().list).toMatchObject({ hasNewer: false, hasMore: true });
  });

  it("reports a failed page and lets it be asked for again", async () => {
    const t = setup();
    await act(async () => {
      await t.history().loadLatest();
    });
    const offline = new ApiError(0, "Cannot reach the server.");
    vi.spyOn(t.api.messages, "history").mockRejectedValueOnce(offline);
    act(() => t.history().loadOlder());
    await flush();
    expect(t.onError).toHaveBeenCalledWith(offline);
    expect(t.history().list.loadingOlder).toBe(false);

    act(() => t.history().loadOlder());
    await flush();
    expect(t.history().list.messages).toHaveLength(100);
  });

  it("applies the server's answers to edits, deletions and reactions", async () => {
    const t = setup(messages(3));
    await act(async () => {
      await t.history().loadLatest();
    });
    await act(async () => {
      await t.history().edit(2, "fixed");
      await t.history().remove(3);
      await t.history().react(1, "👍", true);
    });
    expect(t.requests.filter((r) => !r.includes("/token/") && !r.includes("/chat/history"))).toEqual([
      "PATCH /api/v1/messages/2",
      "DELETE /api/v1/messages/3",
      "POST /api/v1/messages/1/reactions",
    ]);
    const [first, second, third] = t.history().list.messages;
    expect(first?.reactions).toEqual([{ emoji: "👍", count: 2, me: true }]);
    expect(second).toMatchObject({ body: "fixed" });
    expect(third).toMatchObject({ deleted: true });
  });

  it("lets live frames into the list through dispatch", () => {
    const t = setup();
    act(() => t.history().dispatch({ type: "received", message: message(7) }));
    expect(ids(t.history().list.messages)).toEqual([7]);
  });
});
