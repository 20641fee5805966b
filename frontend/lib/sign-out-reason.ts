// Why the app ended someone's session, so that the login page can say so instead of just
// appearing. The server's words (REST `detail`s, WebSocket close codes and reasons) become one
// of a few codes here; the code is kept in sessionStorage until the login page has shown it.

import type { ApiError } from "./api-error";
import { CLOSE_CODES } from "./api-constants";

export type SignOutReason =
  /** The device was signed out from another one (or its login is unknown to the server). */
  | "signed-out-elsewhere"
  /** A spent refresh token was presented again: the server ends the device's login. */
  | "reused"
  | "deactivated"
  | "expired"
  /** The refresh was refused in words this module does not know. */
  | "ended";

export const SIGN_OUT_MESSAGES: Readonly<Record<SignOutReason, string>> = {
  "signed-out-elsewhere": "You were signed out because this device was signed out from another device.",
  reused:
    "You were signed out for your security: this device's sign-in was used twice, for example by a copy of the page. Please sign in again.",
  deactivated: "Your account has been deactivated.",
  expired: "Your session expired. Please sign in again.",
  ended: "You were signed out. Please sign in again.",
};

/**
 * The backend's exact `detail` strings (and WebSocket close reasons) that end a session.
 * Exact on purpose: a 401 "invalid or expired token" only means the access token must be
 * refreshed, and a 403 about a room must not sign anyone out.
 */
const REASON_OF_DETAIL: ReadonlyMap<string, SignOutReason> = new Map<string, SignOutReason>([
  ["refresh token is not valid", "signed-out-elsewhere"],
  ["this device was signed out", "signed-out-elsewhere"],
  ["refresh token has expired", "expired"],
  ["refresh token was already used; this device is signed out", "reused"],
  ["account is deactivated", "deactivated"],
]);

function reasonOfDetail(detail: string): SignOutReason | null {
  return REASON_OF_DETAIL.get(detail) ?? null;
}

/** The reason a refused REST call (401/403) ended the session, or null when it does not end it. */
export function signOutReasonOfError(error: Pick<ApiError, "status" | "detail">): SignOutReason | null {
  return error.status === 401 || error.status === 403 ? reasonOfDetail(error.detail) : null;
}

/**
 * The reason a WebSocket close (4401/4403 with its reason text) ended the session, or null.
 * A 4401 for an expired access token, or a close without a reason (the server's hub closes
 * sockets with a bare code), is not enough: the token refresh that follows decides.
 */
export function signOutReasonOfClose(code: number, reason: string): SignOutReason | null {
  return code === CLOSE_CODES.unauthorized || code === CLOSE_CODES.forbidden ? reasonOfDetail(reason) : null;
}

// ---- kept across the redirect to the login page ------------------------------------

export const SIGN_OUT_REASON_KEY = "chat.sign_out_reason";

/** sessionStorage: this tab only, and gone with it. Null where there is none (prerender, or refused). */
function store(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.sessionStorage;
  } catch {
    return null; // some browsers throw when storage is disabled
  }
}

export function rememberSignOutReason(reason: SignOutReason): void {
  try {
    store()?.setItem(SIGN_OUT_REASON_KEY, reason);
  } catch {
    // Storage full or refused: the login page then just shows no reason.
  }
}

/** The reason kept for the login page, if any (and if it is one this version knows). */
export function peekSignOutReason(): SignOutReason | null {
  const value = store()?.getItem(SIGN_OUT_REASON_KEY) ?? null;
  return value !== null && Object.hasOwn(SIGN_OUT_MESSAGES, value) ? (value as SignOutReason) : null;
}

export function clearSignOutReason(): void {
  store()?.removeItem(SIGN_OUT_REASON_KEY);
}
