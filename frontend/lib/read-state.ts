// Read markers on the client: where the "New messages" divider goes, and a marker that follows
// what the person has actually seen, sent to the server forward only and a little lazily.

import type { Message } from "./api-types";

/**
 * The first message the person had not read when the room was opened: after `lastReadId`, not
 * their own, and not newer than `ceiling` (the newest message at opening: later arrivals are
 * read as they come, a divider above each would only be noise). Null: no divider.
 */
export function firstUnreadId(
  messages: readonly Message[],
  lastReadId: number | null,
  myId: number,
  ceiling: number | null,
): number | null {
  if (ceiling === null) return null;
  const marker = lastReadId ?? 0;
  for (const message of messages) {
    if (message.id > ceiling) break;
    if (message.id > marker && message.sender.id !== myId && !message.deleted) return message.id;
  }
  return null;
}

/** How many of `messages` were unread at opening (as `firstUnreadId` counts them). */
export function countUnread(messages: readonly Message[], lastReadId: number | null, myId: number, ceiling: number): number {
  const marker = lastReadId ?? 0;
  let count = 0;
  for (const message of messages) {
    if (message.id > ceiling) break;
    if (message.id > marker && message.sender.id !== myId && !message.deleted) count += 1;
  }
  return count;
}

/** Where the "N new messages" divider goes: above `messageId`, or (null) above the loaded
 *  messages, in older pages still to load ("Jump to first unread (N)"). */
export interface UnreadDivider {
  messageId: number | null;
  count: number;
}

/**
 * The divider of a room opened with `lastReadId` as its marker and `unreadCount` (the server's
 * count then) unread, over the messages loaded so far (ascending, contiguous up to the newest;
 * `hasMore`: older ones remain). The first unread one is loaded once a message at or before the
 * marker is, or nothing older remains; until then the count is the server's. Null: no divider,
 * or not known yet (`ceiling`, the newest message at opening, is null).
 */
export function unreadDivider(
  list: { messages: readonly Message[]; hasMore: boolean },
  opened: { lastReadId: number | null; unreadCount: number },
  myId: number,
  ceiling: number | null,
): UnreadDivider | null {
  if (ceiling === null) return null;
  const loaded = countUnread(list.messages, opened.lastReadId, myId, ceiling);
  const oldest = list.messages[0];
  const reached = !list.hasMore || (oldest !== undefined && oldest.id <= (opened.lastReadId ?? 0));
  if (!reached) {
    const count = Math.max(opened.unreadCount, loaded);
    return count > 0 ? { messageId: null, count } : null;
  }
  const messageId = firstUnreadId(list.messages, opened.lastReadId, myId, ceiling);
  return messageId === null ? null : { messageId, count: loaded };
}

/** The divider's words: "3 new messages", "1 new message". */
export function newMessagesLabel(count: number): string {
  return count === 1 ? "1 new message" : `${count} new messages`;
}

/** A badge's text: the count, or "99+". */
export function unreadBadge(count: number): string {
  return count > 99 ? "99+" : String(count);
}

export interface ReadMarkerOptions {
  /** Tells the server; a rejected promise lets a later sighting try again. */
  send(messageId: number): Promise<unknown>;
  /** Whether the page is on screen (a hidden tab reads nothing). */
  isVisible?(): boolean;
  /** Sightings within this long go to the server as one call. */
  delayMs?: number;
}

/**
 * One room's marker. `seen(id)` whenever a message is on screen; the highest id seen while the
 * page is visible goes to the server after a short pause. Never backwards, never twice.
 */
export class ReadMarker {
  private readonly options: ReadMarkerOptions;
  /** The highest id the server has (or is being told): null until `start`. */
  private marker: number | null = null;
  private started = false;
  private pending = 0;
  /** Seen while the page was hidden or before `start`: counts once the page is visible. */
  private deferred = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(options: ReadMarkerOptions) {
    this.options = options;
  }

  /** The server's marker when the room opened; sightings before this are replayed now. */
  start(serverMarker: number | null): void {
    this.started = true;
    this.marker = Math.max(this.marker ?? 0, serverMarker ?? 0);
    const deferred = this.deferred;
    this.deferred = 0;
    if (deferred) this.seen(deferred);
  }

  /** The highest id this marker knows the server holds. */
  get current(): number {
    return this.marker ?? 0;
  }

  seen(messageId: number): void {
    if (this.disposed || messageId <= this.current || messageId <= this.pending) return;
    const visible = this.options.isVisible?.() ?? true;
    if (!this.started || !visible) {
      this.deferred = Math.max(this.deferred, messageId);
      return;
    }
    this.pending = messageId;
    this.timer ??= setTimeout(() => this.flush(), this.options.delayMs ?? 300);
  }

  /** The page came back on screen: what was seen meanwhile counts now. */
  visible(): void {
    const deferred = this.deferred;
    this.deferred = 0;
    if (deferred) this.seen(deferred);
  }

  /** Another tab (or this one) moved the server's marker: no need to send up to there. */
  noteServer(messageId: number): void {
    if (messageId > this.current) this.marker = messageId;
    if (this.pending && this.pending <= this.current) this.pending = 0;
  }

  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const id = this.pending;
    this.pending = 0;
    if (!id || id <= this.current || this.disposed) return;
    const before = this.marker;
    this.marker = id;
    this.options.send(id).catch(() => {
      // Not stored (network, server): let the next sighting try again.
      if (this.marker === id) this.marker = before;
    });
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
