import { Fragment, useEffect, useLayoutEffect, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent } from "react";

import type { Message, UserPublic } from "../lib/api-types";
import { layoutOutbox, layoutRows, rovingTarget } from "../lib/message-layout";
import type { MessageListState } from "../lib/message-list";
import { newMessagesLabel } from "../lib/read-state";
import { MessageItem } from "./message-item";
import type { LoadReactors } from "./reaction-bar";
import { OutgoingItem } from "./outgoing-item";

/** The roving-focus key of a message row: `m:<id>` or, still being sent, `c:<client id>`. */
function itemKey(item: HTMLElement): string | null {
  if (item.dataset.messageId) return `m:${item.dataset.messageId}`;
  if (item.dataset.clientId) return `c:${item.dataset.clientId}`;
  return null;
}

/** Within this many pixels of an edge counts as "at" it. */
const EDGE_PX = 80;
/** A message counts as seen once this much of it is in view (or it fills most of the view). */
const SEEN_RATIO = 0.6;

interface MessageListProps {
  list: MessageListState;
  me: UserPublic;
  onLoadOlder(): void;
  onRetry(clientId: string): void;
  onDiscard(clientId: string): void;
  onEdit(messageId: number, body: string): Promise<void>;
  onDelete(messageId: number): Promise<void>;
  onReact?(messageId: number, emoji: string, on: boolean): Promise<void>;
  /** A message has been on screen (for the read marker). */
  onSeen?(messageId: number): void;
  /** "N new messages" goes above this one. */
  dividerId?: number | null;
  /** How many were unread when the room opened: the divider's N; while the first of them is
   *  not loaded (`dividerId` null), a "Jump to first unread (N)" bar loads older pages until it
   *  is, then shows it. */
  unreadCount?: number;
  /** Open this message's edit form (Up in the empty composer); `seq` changes for each request. */
  editRequest?: { messageId: number; seq: number } | null;
  /** The edit opened by `editRequest` was saved or cancelled (the composer takes the focus back). */
  onEditRequestDone?(): void;
  /** The message jumped to: scrolled into view, highlighted and focused. */
  highlightId?: number | null;
  /** Changes to bring the same message into view again (a second jump to it). */
  highlightKey?: number;
  /** Starts a reply to a message. */
  onReply?(message: Message): void;
  /** Shows the message a reply answers. */
  onOpenOriginal?(messageId: number): void;
  /** An image of a message would not load (its URL may have expired). */
  onFileError?(messageId: number): void;
  /** After a jump: load the next page towards the newest, or go straight to the newest. */
  onLoadNewer?(): void;
  onJumpToLatest?(): void;
  /** Who reacted to a message (the reaction chips' tooltips); the server by default. */
  loadReactors?: LoadReactors;
}

export function MessageList({
  list,
  me,
  onLoadOlder,
  onRetry,
  onDiscard,
  onEdit,
  onDelete,
  onReact,
  onSeen,
  dividerId = null,
  unreadCount = 0,
  editRequest = null,
  onEditRequestDone,
  highlightId = null,
  highlightKey = 0,
  onLoadNewer,
  onJumpToLatest,
  onReply,
  onOpenOriginal,
  onFileError,
  loadReactors,
}: MessageListProps) {
  const ref = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLOListElement>(null);
  // Geometry as of the last scroll or render, i.e. before the DOM change being laid out.
  const before = useRef({ scrollTop: 0, scrollHeight: 0, firstId: 0, outbox: 0 });
  const stickToBottom = useRef(highlightId === null);
  /** What was brought into view: nothing yet, the divider, or a jump (`id:key`). */
  const shownTarget = useRef<string>("none");
  /** "Jump to first unread" was pressed: older pages load until the divider is among them. */
  const seekingUnread = useRef(false);
  /** The newest message when the reader scrolled away from the bottom (null: at the bottom);
   *  the messages after it are the "new messages below". */
  const [awayFrom, setAwayFrom] = useState<number | null>(null);
  const onSeenRef = useRef(onSeen);
  useEffect(() => {
    onSeenRef.current = onSeen;
  });

  const firstId = list.messages[0]?.id ?? 0;
  const lastId = list.messages.at(-1)?.id ?? 0;
  const lastKey = `${lastId}:${list.outbox.length}`;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const prev = before.current;
    // Whoever just sent a message wants to see it, even if they had scrolled up.
    if (list.outbox.length > prev.outbox) stickToBottom.current = true;
    if (prev.firstId !== 0 && firstId !== 0 && firstId < prev.firstId) {
      // Older messages went in above: keep the ones being read where they were.
      el.scrollTop = prev.scrollTop + (el.scrollHeight - prev.scrollHeight);
    } else if (stickToBottom.current && !list.hasNewer) {
      el.scrollTop = el.scrollHeight;
    }
    before.current = { scrollTop: el.scrollTop, scrollHeight: el.scrollHeight, firstId, outbox: list.outbox.length };
  }, [firstId, lastKey, list.loaded, list.outbox.length, list.hasNewer]);

  // Once per jump: bring the message jumped to into view (and give it the focus); without one,
  // once, the first unread one.
  const jumpKey = highlightId !== null ? `${highlightId}:${highlightKey}` : null;
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (jumpKey === null ? shownTarget.current !== "none" : shownTarget.current === jumpKey) return;
    if (jumpKey === null && dividerId === null) {
      // The first unread one is older than the pages loaded: the bar offers to go there, the
      // view stays at the newest (and does not leap when scrolling up reaches it).
      if (list.loaded && unreadCount > 0) shownTarget.current = "divider";
      return;
    }
    const item = el.querySelector<HTMLElement>(jumpKey !== null ? `[data-message-id="${highlightId}"]` : ".unread-divider");
    if (!item) return;
    shownTarget.current = jumpKey ?? "divider";
    const box = el.getBoundingClientRect();
    const at = item.getBoundingClientRect();
    if (jumpKey !== null || at.top < box.top) {
      // The divider only moves the view when it is above it: all unread in view stays put.
      item.scrollIntoView?.({ block: jumpKey !== null ? "center" : "start" });
      if (jumpKey !== null) item.focus({ preventScroll: true });
      stickToBottom.current = false;
      before.current = { ...before.current, scrollTop: el.scrollTop, scrollHeight: el.scrollHeight };
    }
  }, [jumpKey, highlightId, dividerId, lastKey, firstId, list.loaded, unreadCount]);

  // "Jump to first unread": one older page after another (each one's arrival moves `firstId`)
  // until the divider is loaded, or nothing older remains; then it is shown, and the first
  // unread message takes the focus (the bar's button is gone).
  useEffect(() => {
    if (!seekingUnread.current) return;
    if (dividerId === null && list.hasMore) {
      onLoadOlder();
      return;
    }
    seekingUnread.current = false;
    const el = ref.current;
    if (!el) return;
    const divider = el.querySelector<HTMLElement>(".unread-divider");
    if (divider) divider.scrollIntoView?.({ block: "start" });
    else el.scrollTop = 0;
    stickToBottom.current = false;
    shownTarget.current = "divider";
    before.current = { ...before.current, scrollTop: el.scrollTop, scrollHeight: el.scrollHeight };
    el.querySelector<HTMLElement>(dividerId !== null ? `[data-message-id="${dividerId}"]` : "li.message")?.focus({ preventScroll: true });
  }, [firstId, dividerId, list.hasMore, onLoadOlder]);

  // The list's box changes size (phone rotation, composer growing, a banner): whoever was
  // reading the newest messages keeps seeing them.
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (stickToBottom.current && !list.hasNewer) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [list.hasNewer]);

  // What is on screen counts as read: every message shown enough, as the view moves.
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === "undefined") return;
    const visible = new Set<number>();
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const id = Number((entry.target as HTMLElement).dataset.messageId);
          const viewHeight = entry.rootBounds?.height ?? Infinity;
          const shown =
            entry.isIntersecting &&
            (entry.intersectionRatio >= SEEN_RATIO || entry.intersectionRect.height >= viewHeight * SEEN_RATIO);
          if (shown) visible.add(id);
          else visible.delete(id);
        }
        if (visible.size > 0) onSeenRef.current?.(Math.max(...visible));
      },
      { root: el, threshold: [0, SEEN_RATIO, 1] },
    );
    for (const item of el.querySelectorAll<HTMLElement>("li[data-message-id]")) observer.observe(item);
    return () => observer.disconnect();
  }, [firstId, lastId, list.messages.length]);

  // Without IntersectionObserver (old browsers, tests): the newest counts as seen at the bottom.
  useEffect(() => {
    if (typeof IntersectionObserver !== "undefined") return;
    if (list.loaded && lastId && stickToBottom.current && !list.hasNewer) onSeenRef.current?.(lastId);
  }, [list.loaded, lastId, list.hasNewer]);

  // A first page too short to scroll gives no scroll event: fetch more until it fills.
  useEffect(() => {
    const el = ref.current;
    if (el && list.loaded && list.hasMore && !list.loadingOlder && el.scrollHeight <= el.clientHeight) {
      onLoadOlder();
    }
  }, [list.loaded, list.hasMore, list.loadingOlder, firstId, onLoadOlder]);

  // Dense groups and day separators; the confirmed messages' rows, then the outbox's.
  const rows = useMemo(() => layoutRows(list.messages, new Date(), dividerId), [list.messages, dividerId]);
  const outboxRows = useMemo(
    () => (list.hasNewer ? [] : layoutOutbox(list.messages.at(-1), list.outbox, me.id)),
    [list.messages, list.outbox, list.hasNewer, me.id],
  );
  // Messages wait behind the first one not gone yet (retrying, or refused for good).
  const firstHeld = list.outbox.findIndex((item) => item.status !== "pending");

  // New messages by others since the reader scrolled up (none while the list is a window: its
  // own "Jump to the newest messages" says so). Back at the newest page, the count starts over.
  const [wasWindow, setWasWindow] = useState(list.hasNewer);
  if (wasWindow !== list.hasNewer) {
    setWasWindow(list.hasNewer);
    setAwayFrom(null);
  }
  const newBelow = useMemo(
    () =>
      awayFrom === null || list.hasNewer
        ? 0
        : list.messages.filter((m) => m.id > awayFrom && m.sender.id !== me.id && !m.deleted).length,
    [awayFrom, list.hasNewer, list.messages, me.id],
  );

  // Roving focus: the list is one tab stop (the newest message unless another was focused last);
  // arrows, Home and End move between messages, Tab goes on into the focused one's controls.
  const [chosenKey, setChosenKey] = useState<string | null>(null);
  const keys = useMemo(
    () => [
      ...list.messages.map((m) => `m:${m.id}`),
      ...outboxRows.map((r) => `c:${r.item.clientId}`),
    ],
    [list.messages, outboxRows],
  );
  const activeKey = chosenKey !== null && keys.includes(chosenKey) ? chosenKey : (keys.at(-1) ?? null);

  const onItemFocus = (event: FocusEvent<HTMLOListElement>) => {
    const item = (event.target as HTMLElement).closest<HTMLElement>("li.message");
    if (!item || item.parentElement !== listRef.current) return;
    const key = itemKey(item);
    if (key !== null && key !== chosenKey) setChosenKey(key);
  };

  const onItemKeyDown = (event: KeyboardEvent<HTMLOListElement>) => {
    const target = event.target as HTMLElement;
    // Only on a message itself: inside it, keys belong to its controls (an edit box, the picker).
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const ol = listRef.current;
    if (!ol || target.parentElement !== ol || !target.matches("li.message")) return;
    const items = Array.from(ol.querySelectorAll<HTMLElement>(":scope > li.message"));
    const next = rovingTarget(event.key, items.indexOf(target), items.length);
    if (next === null) return;
    event.preventDefault();
    items[next]?.focus();
  };

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    before.current = { ...before.current, scrollTop: el.scrollTop, scrollHeight: el.scrollHeight };
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE_PX;
    stickToBottom.current = atBottom;
    if (atBottom) {
      if (awayFrom !== null) setAwayFrom(null);
    } else if (awayFrom === null) {
      setAwayFrom(lastId);
    }
    if (el.scrollTop < EDGE_PX && list.hasMore && !list.loadingOlder) onLoadOlder();
    if (atBottom && list.hasNewer && !list.loadingNewer) onLoadNewer?.();
  };

  /** The "new messages below" pill: down to the newest, which takes the focus (the pill goes). */
  const scrollToNewest = () => {
    const el = ref.current;
    if (!el) return;
    stickToBottom.current = true;
    el.scrollTop = el.scrollHeight;
    setAwayFrom(null);
    const items = listRef.current?.querySelectorAll<HTMLElement>(":scope > li.message");
    items?.[items.length - 1]?.focus({ preventScroll: true });
  };

  const jumpToUnread = () => {
    seekingUnread.current = true;
    onLoadOlder();
  };
  const unreadAbove = list.loaded && dividerId === null && unreadCount > 0;
  const dividerLabel = unreadCount > 0 ? newMessagesLabel(unreadCount) : "New messages";

  return (
    <div className="message-list-frame">
      {unreadAbove && (
        <div className="unread-bar">
          <button type="button" onClick={jumpToUnread} disabled={list.loadingOlder}>
            <span aria-hidden="true">↑ </span>
            {list.loadingOlder ? "Loading older messages…" : `Jump to first unread (${unreadCount})`}
          </button>
        </div>
      )}
      <div
        ref={ref}
        className="message-list"
        role="log"
        aria-label="Messages"
        aria-busy={!list.loaded}
        // With messages, the tab stop is one of them (roving focus); without, the log itself.
        tabIndex={keys.length > 0 ? -1 : 0}
        onScroll={onScroll}
      >
        {list.hasMore && (
          <div className="message-list-top">
            <button type="button" onClick={onLoadOlder} disabled={list.loadingOlder}>
              {list.loadingOlder ? "Loading…" : "Load older messages"}
            </button>
          </div>
        )}
        {!list.loaded && <p className="muted message-list-empty">Loading messages…</p>}
        {list.loaded && !list.hasMore && list.messages.length === 0 && list.outbox.length === 0 && (
          <p className="muted message-list-empty">No messages yet. Say hello!</p>
        )}
        <ol ref={listRef} onFocus={onItemFocus} onKeyDown={onItemKeyDown}>
          {rows.map((row) =>
            row.kind === "day" ? (
              <li key={row.key} className="day-separator">
                <span role="separator" aria-label={row.label}>
                  {row.label}
                </span>
              </li>
            ) : (
              <Fragment key={row.key}>
                {row.message.id === dividerId && (
                  <li className="unread-divider">
                    <span role="separator" aria-label={dividerLabel}>
                      {dividerLabel}
                    </span>
                  </li>
                )}
                <MessageItem
                  message={row.message}
                  own={row.message.sender.id === me.id}
                  onEdit={onEdit}
                  onDelete={onDelete}
                  onReact={onReact}
                  highlighted={row.message.id === highlightId}
                  currentUsername={me.username}
                  currentUserId={me.id}
                  onReply={onReply}
                  onOpenOriginal={onOpenOriginal}
                  onFileError={onFileError}
                  continuation={row.continuation}
                  active={row.key === activeKey}
                  loadReactors={loadReactors}
                  editRequest={editRequest !== null && editRequest.messageId === row.message.id ? editRequest.seq : undefined}
                  onEditRequestDone={onEditRequestDone}
                />
              </Fragment>
            ),
          )}
          {outboxRows.map(({ item, continuation, newDay }, index) => (
            <Fragment key={item.clientId}>
              {newDay !== null && (
                <li className="day-separator">
                  <span role="separator" aria-label={newDay}>
                    {newDay}
                  </span>
                </li>
              )}
              <OutgoingItem
                item={item}
                username={me.username}
                userId={me.id}
                onRetry={onRetry}
                onDiscard={onDiscard}
                continuation={continuation}
                active={`c:${item.clientId}` === activeKey}
                waiting={firstHeld !== -1 && index > firstHeld}
              />
            </Fragment>
          ))}
        </ol>
        {list.hasNewer && (
          <div className="message-list-bottom">
            <button type="button" onClick={onLoadNewer} disabled={list.loadingNewer}>
              {list.loadingNewer ? "Loading…" : "Load newer messages"}
            </button>
          </div>
        )}
      </div>
      {list.hasNewer && onJumpToLatest && (
        <button
          type="button"
          className="jump-latest"
          onClick={() => {
            stickToBottom.current = true; // the newest page lands at the bottom, in view
            onJumpToLatest();
          }}
        >
          Jump to the newest messages ↓
        </button>
      )}
      {newBelow > 0 && (
        <button type="button" className="jump-latest new-below" onClick={scrollToNewest}>
          {newMessagesLabel(newBelow)} below <span aria-hidden="true">↓</span>
        </button>
      )}
    </div>
  );
}
