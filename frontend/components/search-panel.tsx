import { useCallback, useId, useReducer, useRef, useState, type FormEvent } from "react";

import { api } from "../lib/api";
import { describeError } from "../lib/api-error";
import type { Message, Room } from "../lib/api-types";
import { formatFullTime, formatMessageTime } from "../lib/format-time";
import { highlightParts, initialSearchState, nextCursor, searchProblem, searchReducer } from "../lib/search";

interface SearchPanelProps {
  rooms: readonly Room[];
  /** A result was chosen: open its room at it. */
  onOpen(message: Message): void;
}

const PAGE = 20;

/** The search box (in the header) and, once something is searched, its results. */
export function SearchPanel({ rooms, onOpen }: SearchPanelProps) {
  const inputId = useId();
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [state, dispatch] = useReducer(searchReducer, initialSearchState);
  const [open, setOpen] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  const load = useCallback(async (query: string, before?: number) => {
    try {
      const page = await api.messages.search(query, { before, limit: PAGE });
      dispatch({ type: "loaded", query, results: page.messages, hasMore: page.has_more, more: before !== undefined });
    } catch (err) {
      dispatch({ type: "failed", query, error: describeError(err) });
    }
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = searchProblem(text);
    setProblem(found);
    if (found) return;
    const query = text.trim();
    dispatch({ type: "started", query });
    setOpen(true);
    void load(query);
  };

  const more = () => {
    dispatch({ type: "moreRequested" });
    void load(state.query, nextCursor(state.results));
  };

  const close = () => {
    setOpen(false);
    inputRef.current?.focus();
  };

  const roomName = (roomId: number) => {
    const room = rooms.find((r) => r.id === roomId);
    if (!room) return "a room";
    return room.is_direct ? `@${room.name}` : `#${room.name}`;
  };

  return (
    <div className="search">
      <form role="search" aria-label="Messages" className="search-form" onSubmit={submit} noValidate>
        <label htmlFor={inputId} className="visually-hidden">
          Search messages
        </label>
        <input
          id={inputId}
          ref={inputRef}
          type="search"
          placeholder="Search messages"
          value={text}
          maxLength={200}
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${inputId}-problem` : undefined}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setOpen(false);
          }}
        />
        <button type="submit">Search</button>
        {problem && (
          <p id={`${inputId}-problem`} className="field-error search-problem" role="alert">
            {problem}
          </p>
        )}
      </form>
      {open && (
        <section className="search-results" aria-label="Search results">
          <div className="search-results-head">
            <h2>
              {state.loading && state.results.length === 0
                ? "Searching…"
                : `${state.results.length}${state.hasMore ? "+" : ""} result${state.results.length === 1 ? "" : "s"} for “${state.query}”`}
            </h2>
            <button type="button" onClick={close} aria-label="Close search results">
              Close
            </button>
          </div>
          {state.error && (
            <p className="field-error" role="alert">
              {state.error}
            </p>
          )}
          {!state.loading && !state.error && state.results.length === 0 && (
            <p className="muted">Nothing found in your rooms.</p>
          )}
          <ul>
            {state.results.map((message) => (
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
                  <span className="search-result-body">
                    {highlightParts(message.body, state.query).map((part, index) =>
                      part.match ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
                    )}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {state.hasMore && (
            <button type="button" onClick={more} disabled={state.loading}>
              {state.loading ? "Loading…" : "More results"}
            </button>
          )}
        </section>
      )}
    </div>
  );
}
