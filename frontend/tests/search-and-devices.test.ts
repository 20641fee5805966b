import { describe, expect, it } from "vitest";

import { describeDevice, sortDevices } from "../lib/devices";
import { highlightParts, initialSearchState, nextCursor, searchProblem, searchReducer } from "../lib/search";
import { ids, message } from "./support";

describe("search", () => {
  it("asks for 2 to 200 characters once trimmed", () => {
    expect(searchProblem(" a ")).toBe("Type at least 2 characters.");
    expect(searchProblem("東京")).toBeNull();
    expect(searchProblem("x".repeat(201))).toBe("At most 200 characters.");
  });

  it("keeps pages of one query together and ignores answers to an older one", () => {
    let state = searchReducer(initialSearchState, { type: "started", query: "cat" });
    state = searchReducer(state, { type: "loaded", query: "cat", results: [message(9), message(7)], hasMore: true, more: false });
    expect(nextCursor(state.results)).toBe(7);
    state = searchReducer(state, { type: "moreRequested" });
    state = searchReducer(state, { type: "loaded", query: "cat", results: [message(7), message(3)], hasMore: false, more: true });
    expect(ids(state.results)).toEqual([9, 7, 3]);
    expect(state).toMatchObject({ hasMore: false, loading: false });

    const next = searchReducer(state, { type: "started", query: "dog" });
    expect(searchReducer(next, { type: "loaded", query: "cat", results: [message(1)], hasMore: false, more: false })).toBe(next);
    expect(searchReducer(next, { type: "failed", query: "dog", error: "Offline" }).error).toBe("Offline");
  });

  it("marks every match, in any case and any script", () => {
    expect(highlightParts("Unbelievable, BELIEVE it", "believ")).toEqual([
      { text: "Un", match: false },
      { text: "believ", match: true },
      { text: "able, ", match: false },
      { text: "BELIEV", match: true },
      { text: "E it", match: false },
    ]);
    expect(highlightParts("私は東京に住んでいます", "東京")).toEqual([
      { text: "私は", match: false },
      { text: "東京", match: true },
      { text: "に住んでいます", match: false },
    ]);
    expect(highlightParts("Москва", "МОСК")[0]).toEqual({ text: "Моск", match: true });
    expect(highlightParts("nothing here", "zz")).toEqual([{ text: "nothing here", match: false }]);
  });
});

describe("devices", () => {
  it("names a device the way people know it", () => {
    expect(
      describeDevice("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"),
    ).toBe("Chrome on Linux");
    expect(describeDevice("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0")).toBe(
      "Firefox on Windows",
    );
    expect(
      describeDevice("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"),
    ).toBe("Safari on iOS");
    expect(describeDevice("curl/8.5.0")).toBe("curl");
    expect(describeDevice(null)).toBe("Unknown device");
  });

  it("lists this device first, then the most recently used", () => {
    const device = (id: number, current: boolean, used: string) => ({
      id,
      current,
      created_at: used,
      last_used_at: used,
      user_agent: null,
      ip: null,
    });
    const sorted = sortDevices([
      device(1, false, "2026-01-01T00:00:00Z"),
      device(2, false, "2026-01-03T00:00:00Z"),
      device(3, true, "2026-01-02T00:00:00Z"),
    ]);
    expect(sorted.map((d) => d.id)).toEqual([3, 2, 1]);
  });
});
