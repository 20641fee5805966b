// What the person is putting together under the composer besides its text: the message they
// reply to, and files being uploaded for the next send. A pure reducer, plus the words for an
// upload that failed and a size in bytes.

import { ApiError, describeError } from "./api-error";
import type { Attachment, Message, ReplyTo } from "./api-types";

/** At most this many files per message (docs/api.md). */
export const MAX_ATTACHMENTS = 10;
/** The server keeps this much of a message as the snippet of a reply to it. */
export const REPLY_SNIPPET_LENGTH = 200;

export interface PendingUpload {
  /** Ours, to tell uploads apart before the server gives them an id. */
  key: string;
  file: File;
  name: string;
  size: number;
  status: "uploading" | "done" | "failed";
  /** Bytes sent so far, of `total` (the request's, so slightly more than the file). */
  sent: number;
  total: number;
  /** What the server made of it, once done. */
  attachment: Attachment | null;
  error: string | null;
}

export interface DraftState {
  /** The message being answered, as the reply will quote it. */
  replyTo: ReplyTo | null;
  uploads: PendingUpload[];
  /** Why a file was not even tried (too many), until the next change. */
  notice: string | null;
}

export type DraftAction =
  | { type: "replyStarted"; message: Message }
  | { type: "replyCancelled" }
  | { type: "uploadStarted"; key: string; file: File }
  | { type: "uploadProgress"; key: string; sent: number; total: number }
  | { type: "uploadDone"; key: string; attachment: Attachment }
  | { type: "uploadFailed"; key: string; error: string }
  | { type: "uploadRetried"; key: string }
  | { type: "uploadRemoved"; key: string }
  | { type: "tooMany"; count: number }
  /** The message went out: the reply and the files it carried are done with. */
  | { type: "sent" };

export const initialDraftState: DraftState = { replyTo: null, uploads: [], notice: null };

/** The quote a reply to `message` carries (as the server will make it). */
export function replyTarget(message: Message): ReplyTo {
  return {
    id: message.id,
    sender: message.sender,
    snippet: [...message.body].slice(0, REPLY_SNIPPET_LENGTH).join(""),
    deleted: message.deleted,
  };
}

/** "Replying to bob: the first words…" */
export function replyLabel(reply: ReplyTo): string {
  return reply.deleted ? `Replying to ${reply.sender.username}: (deleted message)` : `Replying to ${reply.sender.username}: ${reply.snippet}`;
}

function changeUpload(state: DraftState, key: string, change: (upload: PendingUpload) => PendingUpload): DraftState {
  const at = state.uploads.findIndex((u) => u.key === key);
  const found = state.uploads[at];
  if (!found) return state;
  const uploads = [...state.uploads];
  uploads[at] = change(found);
  return { ...state, uploads, notice: null };
}

export function draftReducer(state: DraftState, action: DraftAction): DraftState {
  switch (action.type) {
    case "replyStarted":
      return { ...state, replyTo: replyTarget(action.message) };
    case "replyCancelled":
      return state.replyTo === null ? state : { ...state, replyTo: null };
    case "uploadStarted": {
      const upload: PendingUpload = {
        key: action.key,
        file: action.file,
        name: action.file.name || "file",
        size: action.file.size,
        status: "uploading",
        sent: 0,
        total: action.file.size,
        attachment: null,
        error: null,
      };
      return { ...state, uploads: [...state.uploads, upload], notice: null };
    }
    case "uploadProgress":
      return changeUpload(state, action.key, (u) => (u.status === "uploading" ? { ...u, sent: action.sent, total: action.total } : u));
    case "uploadDone":
      return changeUpload(state, action.key, (u) => ({ ...u, status: "done", sent: u.total, attachment: action.attachment, error: null }));
    case "uploadFailed":
      return changeUpload(state, action.key, (u) => ({ ...u, status: "failed", error: action.error }));
    case "uploadRetried":
      return changeUpload(state, action.key, (u) => ({ ...u, status: "uploading", sent: 0, error: null }));
    case "uploadRemoved":
      return { ...state, uploads: state.uploads.filter((u) => u.key !== action.key), notice: null };
    case "tooMany":
      return {
        ...state,
        notice: `At most ${MAX_ATTACHMENTS} files per message: ${action.count === 1 ? "1 file was" : `${action.count} files were`} left out.`,
      };
    case "sent":
      // Files that failed stay (with Retry), so that none is dropped without the person knowing.
      return { replyTo: null, uploads: state.uploads.filter((u) => u.status === "failed"), notice: null };
  }
}

/** How many more files the draft may take. */
export function roomForFiles(state: DraftState): number {
  return Math.max(0, MAX_ATTACHMENTS - state.uploads.length);
}

/** The uploads ready to go with the next send. */
export function readyAttachments(state: DraftState): Attachment[] {
  return state.uploads.flatMap((u) => (u.status === "done" && u.attachment ? [u.attachment] : []));
}

export function uploading(state: DraftState): boolean {
  return state.uploads.some((u) => u.status === "uploading");
}

/** The text of a message that carries files and no words (the server wants some text): their
 *  names. */
export function filesBody(attachments: readonly Pick<Attachment, "name">[]): string {
  const names = attachments.map((a) => a.name).join(", ");
  const chars = [...names];
  return chars.length > 4000 ? `${chars.slice(0, 3999).join("")}…` : names;
}

/** "812 bytes", "14.2 KB", "3.4 MB" (powers of 1024, as the server counts its limits). */
export function formatBytes(size: number): string {
  if (size < 1024) return `${size} ${size === 1 ? "byte" : "bytes"}`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

function waitText(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} second${Math.ceil(seconds) === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** Why an upload failed, in words a person can act on. */
export function uploadErrorMessage(error: unknown): string {
  if (error instanceof DOMException && error.name === "AbortError") return "Upload cancelled.";
  if (!(error instanceof ApiError)) return describeError(error);
  const detail = error.detail.trim();
  switch (error.status) {
    case 0:
      return "The upload did not reach the server. Check your connection and retry.";
    case 413: {
      if (/quota/i.test(detail)) {
        const used = /exceeded:\s*([^;]+)/i.exec(detail)?.[1];
        return `Your upload quota is used up${used ? ` (${used.trim()})` : ""}. Deleting messages with files frees space.`;
      }
      const limit = /larger than\s+([^()]+?)\s*(?:\(|$)/i.exec(detail)?.[1];
      return limit ? `Too large: files may be at most ${limit}.` : "Too large to upload.";
    }
    case 429:
      return error.retryAfter !== null
        ? `Too many uploads for now. Try again in ${waitText(error.retryAfter)}.`
        : "Too many uploads for now. Try again later.";
    case 422:
      return `This file cannot be sent: ${error.fields.file ?? detail}.`.replace(/\.\.$/, ".");
    case 403:
    case 404:
      return "You cannot upload files to this room.";
    default:
      return detail || "The upload failed.";
  }
}
