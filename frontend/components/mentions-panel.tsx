import { useCallback, useEffect, useId, useRef, useState } from "react";

import { describeError } from "../lib/api-error";
import type { Message, Room } from "../lib/api-types";
import type { ChatApi } from "../lib/chat-api";
import { formatFullTime, formatMessageTime } from "../lib/format-time";
import { mergeMessages } from "../lib/message-list";
import { plainPreview } from "../lib/notifications";
import { unreadBadge } from "../lib/read-state";

interface MentionsPanelProps {
  api: ChatApi;
  rooms: readonly Room[];
  /** A mention was chosen: open its room at it. */
  onOpen(message: Message): void;
}

const PAGE = 20;

interface Loaded {
  /** Newest first. */
  messages: Message[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
}

const empty: Loaded = { messages: [], hasMore: false, loading: false, error: null };

/** "Mentions" in the header: the messages that named the person, across their rooms, newest
 *  first (GET /mentions, paged on with `before`), each opening its room at the message. */
export function MentionsPanel({ api, rooms, onOpen }: MentionsPanelProps) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [loaded, setLoaded] = useState<Loaded>(empty);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const unread = rooms.reduce((sum, room) => sum + (room.mention_count ?? 0), 0);

  const load = useCallback(
    async (before?: number) => {
      setLoaded((held) => ({ ...(before === undefined ? empty : held), loading: true, error: null }));
      try {
        const page = await api.mentions({ before, limit: PAGE });
        setLoaded((held) => {
          // Pages come newest first; kept unique by id (a mention may arrive between pages).
          const merged = mergeMessages([...(before === undefined ? [] : held.messages)].reverse(), [...page.messages].reverse());
          return { messages: merged.reverse(), hasMore: page.has_more, loading: false, error: null };
        });
      } catch (error) {
        setLoaded((held) => ({ ...held, loading: false, error: describeError(error) }));
      }
    },
    [api],
  );

  const close = useCallback(() => {
    setOpen(false);
    buttonRef.current?.focus();
  }, []);

  useEffect(() => {
    if (open) headingRef.current?.focus();
  }, [open]);

  const roomName = (roomId: number) => {
    const room = rooms.find((r) => r.id === roomId);
    if (!room) return "a room";
    return room.is_direct ? `@${room.name}` : `#${room.name}`;
  };

  const oldest = loaded.messages.at(-1)?.id;
  return (
    <div className="mentions">
      <button
        ref={buttonRef}
        type="button"
        className="mentions-toggle"
        aria-expanded={open}
        aria-controls={open ? `${id}-panel` : undefined}
        onClick={() => {
          if (open) {
            setOpen(false);
            return;
          }
          setOpen(true);
          void load();
        }}
      >
        <span aria-hidden="true">@</span> <span className="mentions-label">Mentions</span>
        {unread > 0 && (
          <span className="mention-badge" data-testid="mention-total">
            {unreadBadge(unread)}
            <span className="visually-hidden"> new</span>
          </span>
        )}
      </button>
      {open && (
        <section
          id={`${id}-panel`}
          className="search-results mentions-panel"
          aria-labelledby={`${id}-title`}
          onKeyDown={(event) => {
            if (event.key === "Escape") close();
          }}
        >
          <div className="search-results-head">
            <h2 id={`${id}-title`} ref={headingRef} tabIndex={-1}>
              Mentions of you
            </h2>
            <button type="button" onClick={close} aria-label="Close mentions">
              Close
            </button>
          </div>
          {loaded.error && (
            <p className="field-error" role="alert">
              {loaded.error}
            </p>
          )}
          {loaded.loading && loaded.messages.length === 0 && <p className="muted">Loading…</p>}
          {!loaded.loading && !loaded.error && loaded.messages.length === 0 && (
            <p className="muted">Nobody has mentioned you yet. When someone writes @your name, it shows here.</p>
          )}
          <ul>
            {loaded.messages.map((message) => (
              <li key={message.id}>
                <button
                  type="button"
                  className="search-result"
                  onClick={() => {
                    setOpen(false);
                    onOpen(message);
                  }}
                >
                  <span className="message-meta">
                    <span className="search-result-room">{roomName(message.room_id)}</span>
                    <span className="message-sender">{message.sender.username}</span>
                    <time dateTime={message.created_at} title={formatFullTime(message.created_at)}>
                      {formatMessageTime(message.created_at)}
                    </time>
                  </span>
                  <span className="search-result-body">{plainPreview(message.body, 300)}</span>
                </button>
              </li>
            ))}
          </ul>
          {loaded.hasMore && (
            <button type="button" onClick={() => void load(oldest)} disabled={loaded.loading}>
              {loaded.loading ? "Loading…" : "Older mentions"}
            </button>
          )}
        </section>
      )}
    </div>
  );
}
