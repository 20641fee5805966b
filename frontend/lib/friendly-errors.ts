// What the settings and admin pages say when a request fails: words written for people, chosen
// by the status and the server's stable messages (docs/api.md), never the server's text itself.

import { ApiError } from "./api-error";

function retryIn(error: ApiError): string {
  const seconds = error.retryAfter;
  return seconds ? `Try again in ${seconds} second${seconds === 1 ? "" : "s"}.` : "Wait a minute and try again.";
}

/** Failures every request shares: no connection, the server down, too many requests. */
function common(error: unknown): string | null {
  if (!(error instanceof ApiError)) return "Something went wrong. Try again in a moment.";
  if (error.isNetworkError) return "Cannot reach the server. Check your connection and try again.";
  if (error.status === 429) return `Too many attempts. ${retryIn(error)}`;
  if (error.status >= 500) return "The server could not do that just now. Try again in a moment.";
  if (error.status === 401) return "Your session has ended. Log in again.";
  return null;
}

export function passwordChangeError(error: unknown): string {
  const shared = common(error);
  if (shared) return shared;
  const { status, fields } = error as ApiError;
  if (status === 403) return "That is not your current password.";
  if (status === 422 && fields.new_password) return "Choose a new password of 8 to 72 bytes (about 8 to 72 letters).";
  return "The password could not be changed. Check what you typed and try again.";
}

export function profileError(error: unknown): string {
  const shared = common(error);
  if (shared) return shared;
  const { status, fields } = error as ApiError;
  if (status === 422 && fields.display_name) {
    return "Use at most 64 characters, without tabs, line breaks or text-direction marks.";
  }
  return "Your settings could not be saved. Try again.";
}

/** What an admin's action on `target` (a username or room name) failed with. */
export function adminError(error: unknown, target: string): string {
  const shared = common(error);
  if (shared) return shared;
  const { status, detail } = error as ApiError;
  if (status === 400 && /themselves/.test(detail)) return "You cannot demote or deactivate yourself: ask another admin.";
  if (status === 403) return "Only admins can do that: your account is no longer an admin.";
  if (status === 404) return `${target} no longer exists. Reload the list.`;
  return `That did not work for ${target}. Try again.`;
}

/** A list that could not be loaded. */
export function loadError(error: unknown, what: string): string {
  const shared = common(error);
  if (shared) return shared;
  if ((error as ApiError).status === 403) return `You are not allowed to see the ${what}.`;
  return `The ${what} could not be loaded. Try again.`;
}

/** Signing a device out failed. */
export function deviceError(error: unknown): string {
  const shared = common(error);
  if (shared) return shared;
  if ((error as ApiError).status === 404) return "That device was already signed out.";
  return "The device could not be signed out. Try again.";
}
