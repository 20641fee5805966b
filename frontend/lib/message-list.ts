// The message list of one room as a pure reducer. Confirmed messages are kept unique by
// id and in ascending id order whatever order they arrive in (history pages, live frames,
// replays after a reconnect); messages being sent wait in an outbox until their echo,
// recognised by client_id, confirms them.
//
// The list is normally "attached": it ends at the room's newest message and live messages
// join it. After a jump to an older message (a search result) it is a window that ends before
// the newest ("hasNewer"): live messages wait in `buffer` until paging forward reaches them.

import type { Attachment, Message, ReplyTo, UserPublic } from "./api-types";
import { applyReactionChange, keepMyFlags, sameReactions } from "./reactions";

export interface OutgoingMessage {
  clientId: string;
  body: string;
  /** The message it answers (sent as `reply_to`), shown as it will be. */
  replyTo: ReplyTo | null;
  /** Files it carries (their ids are sent as `attachments`). */
  attachments: Attachment[];
  /** When it was written, for the timestamp shown while it waits. */
  createdAt: string;
  /** "pending": on its way, or waiting its turn; "retrying": refused for a passing reason (a rate
   *  limit, no connection), tried again by itself at `retryAt`; "failed": refused for good, waits
   *  for the person (Retry or Delete). The ones after it wait: they are stored in order. */
  status: "pending" | "retrying" | "failed";
  error: string | null;
  /** When it is tried again (epoch ms), while "retrying". */
  retryAt?: number;
}

export interface MessageListState {
  /** Confirmed messages: ascending id, no duplicates. */
  messages: Message[];
  /** Own messages not yet confirmed, in the order they were written. */
  outbox: OutgoingMessage[];
  /** The newest page has been loaded. */
  loaded: boolean;
  /** The server has messages older than the first one here. */
  hasMore: boolean;
  loadingOlder: boolean;
  /** A window away from the newest: the server has messages newer than the last one here. */
  hasNewer: boolean;
  loadingNewer: boolean;
  /** Live messages that arrived while the list was a window (ascending, unique). */
  buffer: Message[];
}

export type MessageListAction =
  | { type: "reset" }
  | { type: "pageLoaded"; messages: Message[]; hasMore: boolean; position: "latest" | "older" | "newer" }
  /** The list becomes these messages (a jump): `hasNewer` when they end before the newest. */
  | { type: "windowLoaded"; messages: Message[]; hasOlder: boolean; hasNewer: boolean }
  | { type: "olderRequested" }
  | { type: "olderFailed" }
  | { type: "newerRequested" }
  | { type: "newerFailed" }
  /** A `reaction` frame: counts for everyone, `me` changed only if `myId` made it. */
  | { type: "reaction"; message: Message; user: UserPublic; emoji: string; added: boolean; myId: number }
  /** The REST answer to one's own reaction: exact counts and flags. */
  | { type: "reactionsSet"; message: Message }
  | { type: "received"; message: Message }
  | { type: "updated"; message: Message }
  | { type: "deleted"; messageId: number }
  | {
      type: "sendStarted";
      clientId: string;
      body: string;
      createdAt: string;
      replyTo?: ReplyTo | null;
      attachments?: Attachment[];
    }
  /** A fresh copy of a message (its files' signed URLs had expired): attachments and quote. */
  | { type: "refreshed"; message: Message }
  | { type: "sendFailed"; clientId: string; error: string }
  /** Refused for a passing reason: tried again at `retryAt` (epoch ms). */
  | { type: "sendRetrying"; clientId: string; error: string; retryAt: number }
  | { type: "retryStarted"; clientId: string }
  | { type: "discarded"; clientId: string }
  | { type: "gap" };

export const initialMessageListState: MessageListState = {
  messages: [],
  outbox: [],
  loaded: false,
  hasMore: false,
  loadingOlder: false,
  hasNewer: false,
  loadingNewer: false,
  buffer: [],
};

/**
 * Of two copies of one message, the one that has seen more changes (an edit, a delete).
 * A tie keeps the copy held, so a replayed duplicate changes nothing.
 */
function fresher(current: Message, incoming: Message): Message {
  if (current.deleted !== incoming.deleted) return incoming.deleted ? incoming : current;
  const currentEdit = current.edited_at ? Date.parse(current.edited_at) : 0;
  const incomingEdit = incoming.edited_at ? Date.parse(incoming.edited_at) : 0;
  return incomingEdit > currentEdit ? incoming : current;
}

/** An explicit update frame wins over what is held, unless that was deleted since. Its
 *  reactions carry nobody's `me` (one frame for the room): the held flags stay. */
function updated(current: Message, incoming: Message): Message {
  if (current.deleted && !incoming.deleted) return current;
  return { ...incoming, reactions: keepMyFlags(current.reactions, incoming.reactions ?? []) };
}

/** Changes the held copy of one message, in the list or the buffer; same state if absent. */
function changeMessage(
  state: MessageListState,
  messageId: number,
  change: (message: Message) => Message,
): MessageListState {
  for (const key of ["messages", "buffer"] as const) {
    const list = state[key];
    const at = lowerBound(list, messageId);
    const found = list[at];
    if (found && found.id === messageId) {
      const next = change(found);
      if (next === found) return state;
      const copy = [...list];
      copy[at] = next;
      return { ...state, [key]: copy };
    }
  }
  return state;
}

function withReactions(message: Message, reactions: Message["reactions"]): Message {
  return sameReactions(message.reactions, reactions) ? message : { ...message, reactions };
}

/** Index of the first message whose id is >= id (binary search over ascending ids). */
function lowerBound(messages: readonly Message[], id: number): number {
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((messages[mid] as Message).id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Adds or refreshes messages, keeping ascending id order and one copy per id. */
export function mergeMessages(
  existing: readonly Message[],
  incoming: readonly Message[],
  choose: (current: Message, incoming: Message) => Message = fresher,
): Message[] {
  let result = existing as Message[];
  for (const message of incoming) {
    const at = lowerBound(result, message.id);
    const found = result[at];
    if (found && found.id === message.id) {
      const kept = choose(found, message);
      if (kept === found) continue;
      result = [...result.slice(0, at), kept, ...result.slice(at + 1)];
    } else {
      result = [...result.slice(0, at), message, ...result.slice(at)];
    }
  }
  return result;
}

function withoutOutgoing(outbox: OutgoingMessage[], clientIds: Set<string>): OutgoingMessage[] {
  return outbox.some((item) => clientIds.has(item.clientId))
    ? outbox.filter((item) => !clientIds.has(item.clientId))
    : outbox;
}

/** Messages that confirm outgoing ones (their echo carries the client_id). */
function confirmedIds(messages: readonly Message[]): Set<string> {
  const ids = new Set<string>();
  for (const message of messages) if (message.client_id) ids.add(message.client_id);
  return ids;
}

function setOutgoing(
  state: MessageListState,
  clientId: string,
  change: Pick<OutgoingMessage, "status" | "error" | "retryAt">,
): MessageListState {
  if (!state.outbox.some((item) => item.clientId === clientId)) return state;
  return {
    ...state,
    outbox: state.outbox.map((item) => {
      if (item.clientId !== clientId) return item;
      const next: OutgoingMessage = { ...item, ...change };
      if (change.retryAt === undefined) delete next.retryAt; // only a retrying one has a time
      return next;
    }),
  };
}

export function messageListReducer(state: MessageListState, action: MessageListAction): MessageListState {
  switch (action.type) {
    case "reset":
      return initialMessageListState;

    case "pageLoaded": {
      if (action.position === "newer") {
        // Paging forward through a window: once a page reaches the newest, live messages
        // held meanwhile join, and the list is attached again.
        const reached = !action.hasMore;
        const incoming = reached ? [...action.messages, ...state.buffer] : action.messages;
        return {
          ...state,
          messages: mergeMessages(state.messages, incoming),
          outbox: withoutOutgoing(state.outbox, confirmedIds(incoming)),
          hasNewer: !reached,
          buffer: reached ? [] : state.buffer,
          loadingNewer: false,
        };
      }
      const messages = mergeMessages(state.messages, action.messages);
      const outbox = withoutOutgoing(state.outbox, confirmedIds(action.messages));
      // Only a page of older messages or the very first page says anything about what lies before.
      const hasMore = action.position === "older" || !state.loaded ? action.hasMore : state.hasMore;
      return { ...state, messages, outbox, hasMore, loaded: true, loadingOlder: false };
    }

    case "windowLoaded": {
      const messages = mergeMessages([], action.hasNewer ? action.messages : [...action.messages, ...state.buffer]);
      return {
        ...state,
        messages,
        outbox: withoutOutgoing(state.outbox, confirmedIds(messages)),
        loaded: true,
        hasMore: action.hasOlder,
        loadingOlder: false,
        hasNewer: action.hasNewer,
        loadingNewer: false,
        buffer: action.hasNewer ? state.buffer : [],
      };
    }

    case "olderRequested":
      return { ...state, loadingOlder: true };

    case "olderFailed":
      return { ...state, loadingOlder: false };

    case "newerRequested":
      return { ...state, loadingNewer: true };

    case "newerFailed":
      return { ...state, loadingNewer: false };

    case "reaction":
      return changeMessage(state, action.message.id, (held) =>
        held.deleted
          ? held
          : withReactions(
              held,
              applyReactionChange(
                held.reactions,
                { reactions: action.message.reactions, user: action.user, emoji: action.emoji, added: action.added },
                action.myId,
              ),
            ),
      );

    case "refreshed":
      return changeMessage(state, action.message.id, (held) =>
        held.deleted ? held : { ...held, attachments: action.message.attachments, reply_to: action.message.reply_to },
      );

    case "reactionsSet":
      return changeMessage(state, action.message.id, (held) => withReactions(held, action.message.reactions));

    case "received": {
      if (state.hasNewer) {
        // A window away from the newest: hold it until paging forward gets there.
        const buffer = mergeMessages(state.buffer, [action.message]);
        const outbox = withoutOutgoing(state.outbox, confirmedIds([action.message]));
        if (buffer === state.buffer && outbox === state.outbox) return state;
        return { ...state, buffer, outbox };
      }
      const messages = mergeMessages(state.messages, [action.message]);
      const outbox = withoutOutgoing(state.outbox, confirmedIds([action.message]));
      if (messages === state.messages && outbox === state.outbox) return state;
      return { ...state, messages, outbox };
    }

    case "updated":
      // Only refresh a message we hold: an edit of one older than the loaded pages is
      // picked up when that page loads.
      return changeMessage(state, action.message.id, (held) => updated(held, action.message));

    case "deleted": {
      const next = changeMessage(state, action.messageId, (held) =>
        held.deleted ? held : { ...held, body: "", deleted: true, reactions: [], attachments: [] },
      );
      // Replies quoting it now say that the original is gone.
      const quoting = (m: Message) => m.reply_to?.id === action.messageId && !m.reply_to.deleted;
      if (!next.messages.some(quoting)) return next;
      return {
        ...next,
        messages: next.messages.map((m) =>
          quoting(m) && m.reply_to ? { ...m, reply_to: { ...m.reply_to, deleted: true, snippet: "" } } : m,
        ),
      };
    }

    case "sendStarted":
      return {
        ...state,
        outbox: [
          ...state.outbox,
          {
            clientId: action.clientId,
            body: action.body,
            createdAt: action.createdAt,
            replyTo: action.replyTo ?? null,
            attachments: action.attachments ?? [],
            status: "pending",
            error: null,
          },
        ],
      };

    case "sendFailed":
      return setOutgoing(state, action.clientId, { status: "failed", error: action.error });

    case "sendRetrying":
      return setOutgoing(state, action.clientId, { status: "retrying", error: action.error, retryAt: action.retryAt });

    case "retryStarted":
      return setOutgoing(state, action.clientId, { status: "pending", error: null });

    case "discarded":
      return { ...state, outbox: withoutOutgoing(state.outbox, new Set([action.clientId])) };

    case "gap":
      // The server skipped messages between what we hold and what it replays next. Rather
      // than show a list with a hole in it, keep only what comes next and let the older
      // pages load from /chat/history as the person scrolls up. (In a window, paging forward
      // fetches everything anyway: only the held live messages go.)
      if (state.hasNewer) return { ...state, buffer: [] };
      return { ...state, messages: [], hasMore: true, loadingOlder: false };
  }
}
