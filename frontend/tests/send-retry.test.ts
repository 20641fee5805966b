import { describe, expect, it } from "vitest";

import { ApiError, networkError } from "../lib/api-error";
import { frameFailure, httpFailure, retryDelay, secondsLeft, timeoutFailure } from "../lib/send-retry";

describe("which failed sends are tried again, and when", () => {
  it("waits what a rate limit says, on the socket and over HTTP", () => {
    expect(frameFailure("rate_limited", "too many messages, retry in 2.3 s", 2.3, 0)).toEqual({
      retry: true,
      reason: "rate_limited",
      delayMs: 2300,
      error: "Too many messages at once.",
    });
    expect(httpFailure(new ApiError(429, "too many messages", {}, 4), 0)).toMatchObject({ retry: true, reason: "rate_limited", delayMs: 4000 });
    // No wait given: the growing pause.
    expect(httpFailure(new ApiError(429, "too many messages"), 1)).toMatchObject({ retry: true, delayMs: 4000 });
  });

  it("tries again when the server or the connection is down, or no echo came", () => {
    expect(frameFailure("unavailable", "database unreachable", 1, 0)).toMatchObject({ retry: true, reason: "unavailable", delayMs: 1000 });
    expect(httpFailure(new ApiError(503, "Service Unavailable", {}, 5), 0)).toMatchObject({ retry: true, reason: "unavailable", delayMs: 5000 });
    expect(httpFailure(new ApiError(502, "Bad Gateway"), 0)).toMatchObject({ retry: true, reason: "unavailable", delayMs: 2000 });
    expect(httpFailure(networkError(new TypeError("Failed to fetch")), 2)).toMatchObject({ retry: true, reason: "offline", delayMs: 8000, error: "No connection." });
    expect(timeoutFailure(0)).toMatchObject({ retry: true, reason: "timeout", delayMs: 2000 });
  });

  it("leaves any other refusal to the person, in the server's words", () => {
    expect(frameFailure("invalid_message", "body: at most 4000 characters", undefined, 0)).toEqual({ retry: false, error: "body: at most 4000 characters" });
    expect(frameFailure("forbidden", "not a member of that room", null, 0)).toEqual({ retry: false, error: "not a member of that room" });
    expect(httpFailure(new ApiError(403, "You are not a member of this room"), 0)).toEqual({ retry: false, error: "You are not a member of this room" });
    expect(httpFailure(new ApiError(422, "body: must not be blank"), 0)).toMatchObject({ retry: false });
  });

  it("pauses 2 s, doubling, at most 30 s; and counts down in whole seconds", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(retryDelay)).toEqual([2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(secondsLeft(10_000, 7_001)).toBe(3);
    expect(secondsLeft(10_000, 7_000)).toBe(3);
    expect(secondsLeft(10_000, 9_999)).toBe(1);
    expect(secondsLeft(10_000, 10_500)).toBe(0);
  });
});
