import { useEffect, useLayoutEffect, useRef } from "react";

import type { UserPublic } from "../lib/api-types";
import type { MessageListState } from "../lib/message-list";
import { MessageItem } from "./message-item";
import { OutgoingItem } from "./outgoing-item";

/** Within this many pixels of an edge counts as "at" it. */
const EDGE_PX = 80;

interface MessageListProps {
  list: MessageListState;
  me: UserPublic;
  onLoadOlder(): void;
  onRetry(clientId: string): void;
  onDiscard(clientId: string): void;
  onEdit(messageId: number, body: string): Promise<void>;
  onDelete(messageId: number): Promise<void>;
}

export function MessageList({ list, me, onLoadOlder, onRetry, onDiscard, onEdit, onDelete }: MessageListProps) {
  const ref = useRef<HTMLDivElement>(null);
  // Geometry as of the last scroll or render, i.e. before the DOM change being laid out.
  const before = useRef({ scrollTop: 0, scrollHeight: 0, firstId: 0, outbox: 0 });
  const stickToBottom = useRef(true);

  const firstId = list.messages[0]?.id ?? 0;
  const lastKey = `${list.messages.at(-1)?.id ?? 0}:${list.outbox.length}`;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const prev = before.current;
    // Whoever just sent a message wants to see it, even if they had scrolled up.
    if (list.outbox.length > prev.outbox) stickToBottom.current = true;
    if (prev.firstId !== 0 && firstId !== 0 && firstId < prev.firstId) {
      // Older messages went in above: keep the ones being read where they were.
      el.scrollTop = prev.scrollTop + (el.scrollHeight - prev.scrollHeight);
    } else if (stickToBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    before.current = { scrollTop: el.scrollTop, scrollHeight: el.scrollHeight, firstId, outbox: list.outbox.length };
  }, [firstId, lastKey, list.loaded, list.outbox.length]);

  // The list's box changes size (phone rotation, composer growing, a banner): whoever was
  // reading the newest messages keeps seeing them.
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (stickToBottom.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // A first page too short to scroll gives no scroll event: fetch more until it fills.
  useEffect(() => {
    const el = ref.current;
    if (el && list.loaded && list.hasMore && !list.loadingOlder && el.scrollHeight <= el.clientHeight) {
      onLoadOlder();
    }
  }, [list.loaded, list.hasMore, list.loadingOlder, firstId, onLoadOlder]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    before.current = { ...before.current, scrollTop: el.scrollTop, scrollHeight: el.scrollHeight };
    stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE_PX;
    if (el.scrollTop < EDGE_PX && list.hasMore && !list.loadingOlder) onLoadOlder();
  };

  return (
    <div ref={ref} className="message-list" role="log" aria-label="Messages" tabIndex={0} onScroll={onScroll}>
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
      <ol>
        {list.messages.map((message) => (
          <MessageItem
            key={message.id}
            message={message}
            own={message.sender.id === me.id}
            onEdit={onEdit}
            onDelete={onDelete}
          />
        ))}
        {list.outbox.map((item) => (
          <OutgoingItem key={item.clientId} item={item} username={me.username} onRetry={onRetry} onDiscard={onDiscard} />
        ))}
      </ol>
    </div>
  );
}
