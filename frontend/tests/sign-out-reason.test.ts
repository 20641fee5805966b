import { afterEach, describe, expect, it } from "vitest";

import { ApiError } from "../lib/api-error";
import { CLOSE_CODES } from "../lib/api-constants";
import {
  clearSignOutReason,
  peekSignOutReason,
  rememberSignOutReason,
  SIGN_OUT_MESSAGES,
  SIGN_OUT_REASON_KEY,
  signOutReasonOfClose,
  signOutReasonOfError,
} from "../lib/sign-out-reason";

afterEach(() => {
  sessionStorage.clear();
});

describe("signOutReasonOfError", () => {
  it.each([
    [401, "refresh token is not valid", "signed-out-elsewhere"],
    [401, "this device was signed out", "signed-out-elsewhere"],
    [401, "refresh token has expired", "expired"],
    [401, "refresh token was already used; this device is signed out", "reused"],
    [401, "account is deactivated", "deactivated"],
    [403, "account is deactivated", "deactivated"],
  ] as const)("maps %i %j to %s", (status, detail, reason) => {
    expect(signOutReasonOfError(new ApiError(status, detail))).toBe(reason);
  });

  it.each([
    // An expired access token only calls for a refresh.
    [401, "invalid or expired token"],
    [401, "Not authenticated"],
    // Refusals about one room, or a failed login, end no session.
    [403, "not a member of this room"],
    [403, "admins only"],
    [401, "incorrect username or password"],
    // Only refusals end a session, whatever the words.
    [500, "account is deactivated"],
    [0, "Cannot reach the server. Check your connection and try again."],
  ] as const)("does not end the session on %i %j", (status, detail) => {
    expect(signOutReasonOfError(new ApiError(status, detail))).toBeNull();
  });
});

describe("signOutReasonOfClose", () => {
  it("maps a refusal with a reason that ends the session", () => {
    expect(signOutReasonOfClose(CLOSE_CODES.forbidden, "account is deactivated")).toBe("deactivated");
    expect(signOutReasonOfClose(CLOSE_CODES.unauthorized, "this device was signed out")).toBe("signed-out-elsewhere");
  });

  it("leaves expired tokens, bare codes and room refusals to the refresh that follows", () => {
    expect(signOutReasonOfClose(CLOSE_CODES.unauthorized, "invalid or expired token")).toBeNull();
    expect(signOutReasonOfClose(CLOSE_CODES.unauthorized, "")).toBeNull();
    expect(signOutReasonOfClose(CLOSE_CODES.forbidden, "")).toBeNull();
    expect(signOutReasonOfClose(CLOSE_CODES.forbidden, "room not available")).toBeNull();
    expect(signOutReasonOfClose(CLOSE_CODES.noSuchRoom, "account is deactivated")).toBeNull();
    expect(signOutReasonOfClose(1000, "leaving room")).toBeNull();
  });
});

describe("the kept reason", () => {
  it("is kept in sessionStorage until cleared", () => {
    expect(peekSignOutReason()).toBeNull();
    rememberSignOutReason("deactivated");
    expect(sessionStorage.getItem(SIGN_OUT_REASON_KEY)).toBe("deactivated");
    expect(peekSignOutReason()).toBe("deactivated");
    expect(peekSignOutReason()).toBe("deactivated"); // peeking does not consume it
    clearSignOutReason();
    expect(peekSignOutReason()).toBeNull();
  });

  it("ignores a value this version does not know", () => {
    sessionStorage.setItem(SIGN_OUT_REASON_KEY, "toString");
    expect(peekSignOutReason()).toBeNull();
  });

  it("has a sentence for every reason", () => {
    expect(SIGN_OUT_MESSAGES["signed-out-elsewhere"]).toBe(
      "You were signed out because this device was signed out from another device.",
    );
    expect(SIGN_OUT_MESSAGES.deactivated).toBe("Your account has been deactivated.");
    expect(SIGN_OUT_MESSAGES.expired).toBe("Your session expired. Please sign in again.");
    for (const sentence of Object.values(SIGN_OUT_MESSAGES)) expect(sentence).toMatch(/^[A-Z].+\.$/);
  });
});
