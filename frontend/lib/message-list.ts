// The message list of one room as a pure reducer. Confirmed messages are kept unique by
// id and in ascending id order whatever order they arrive in (history pages, live frames,
// replays after a reconnect); messages being sent wait in an outbox until their echo,
// recognised by client_id, confirms them.

import type { Message } from "./api-types";

export interface OutgoingMessage {
  clientId: string;
  body: string;
  /** When it was written, for the timestamp shown while it waits. */
  createdAt: string;
  status: "pending" | "failed";
  error: string | null;
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
}

export type MessageListAction =
  | { type: "reset" }
  | { type: "pageLoaded"; messages: Message[]; hasMore: boolean; position: "latest" | "older" }
  | { type: "olderRequested" }
  | { type: "olderFailed" }
  | { type: "received"; message: Message }
  | { type: "updated"; message: Message }
  | { type: "deleted"; messageId: number }
  | { type: "sendStarted"; clientId: string; body: string; createdAt: string }
  | { type: "sendFailed"; clientId: string; error: string }
  | { type: "retryStarted"; clientId: string }
  | { type: "discarded"; clientId: string }
  | { type: "gap" };

export const initialMessageListState: MessageListState = {
  messages: [],
  outbox: [],
  loaded: false,
  hasMore: false,
  loadingOlder: false,
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

/** An explicit update frame wins over what is held, unless that was deleted since. */
function updated(current: Message, incoming: Message): Message {
  return current.deleted && !incoming.deleted ? current : incoming;
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
  change: Pick<OutgoingMessage, "status" | "error">,
): MessageListState {
  return {
    ...state,
    outbox: state.outbox.map((item) => (item.clientId === clientId ? { ...item, ...change } : item)),
  };
}

export function messageListReducer(state: MessageListState, action: MessageListAction): MessageListState {
  switch (action.type) {
    case "reset":
      return initialMessageListState;

    case "pageLoaded": {
      const messages = mergeMessages(state.messages, action.messages);
      const outbox = withoutOutgoing(state.outbox, confirmedIds(action.messages));
      // Only a page of older messages or the very first page says anything about what lies before.
      const hasMore = action.position === "older" || !state.loaded ? action.hasMore : state.hasMore;
      return { ...state, messages, outbox, hasMore, loaded: true, loadingOlder: false };
    }

    case "olderRequested":
      return { ...state, loadingOlder: true };

    case "olderFailed":
      return { ...state, loadingOlder: false };

    case "received": {
      const messages = mergeMessages(state.messages, [action.message]);
      const outbox = withoutOutgoing(state.outbox, confirmedIds([action.message]));
      if (messages === state.messages && outbox === state.outbox) return state;
      return { ...state, messages, outbox };
    }

    case "updated": {
      // Only refresh a message we hold: an edit of one older than the loaded pages is
      // picked up when that page loads.
      const at = lowerBound(state.messages, action.message.id);
      if (state.messages[at]?.id !== action.message.id) return state;
      return { ...state, messages: mergeMessages(state.messages, [action.message], updated) };
    }

    case "deleted": {
      const at = lowerBound(state.messages, action.messageId);
      const found = state.messages[at];
      if (!found || found.id !== action.messageId || found.deleted) return state;
      const messages = [...state.messages];
      messages[at] = { ...found, body: "", deleted: true };
      return { ...state, messages };
    }

    case "sendStarted":
      return {
        ...state,
        outbox: [
          ...state.outbox,
          { clientId: action.clientId, body: action.body, createdAt: action.createdAt, status: "pending", error: null },
        ],
      };

    case "sendFailed":
      return setOutgoing(state, action.clientId, { status: "failed", error: action.error });

    case "retryStarted":
      return setOutgoing(state, action.clientId, { status: "pending", error: null });

    case "discarded":
      return { ...state, outbox: withoutOutgoing(state.outbox, new Set([action.clientId])) };

    case "gap":
      // The server skipped messages between what we hold and what it replays next. Rather
      // than show a list with a hole in it, keep only what comes next and let the older
      // pages load from /chat/history as the person scrolls up.
      return { ...state, messages: [], hasMore: true, loadingOlder: false };
  }
}
