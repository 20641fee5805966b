import { useEffect, useId, useRef, useState } from "react";

import { describeError } from "../lib/api-error";
import type { UserPublic } from "../lib/api-types";
import { LIMITS } from "../lib/api-constants";

/** Typing pauses this long before a search goes out. */
export const PEOPLE_SEARCH_DELAY_MS = 250;

export interface PeoplePage {
  users: UserPublic[];
  has_more: boolean;
}

interface PeopleSearchProps {
  me: UserPublic;
  /** People whose username starts with `prefix` (GET /users?q=). */
  search(prefix: string): Promise<PeoplePage>;
  /** Opens (or starts) the direct room with someone. */
  onMessage(username: string): Promise<void>;
}

type Found =
  | { state: "idle" }
  | { state: "searching"; query: string }
  | { state: "done"; query: string; users: UserPublic[]; hasMore: boolean }
  | { state: "failed"; query: string; error: string };

/** Finds anyone by the start of their username, to start a direct conversation with them. */
export function PeopleSearch({ me, search, onMessage }: PeopleSearchProps) {
  const id = useId();
  const [text, setText] = useState("");
  const [found, setFound] = useState<Found>({ state: "idle" });
  const [problem, setProblem] = useState<string | null>(null);
  const searchRef = useRef(search);
  useEffect(() => {
    searchRef.current = search;
  });

  const query = text.trim().slice(0, LIMITS.usernameMax);
  useEffect(() => {
    if (!query) return;
    let current = true;
    const timer = setTimeout(() => {
      setFound({ state: "searching", query });
      searchRef.current(query).then(
        (page) => {
          if (current) setFound({ state: "done", query, users: page.users.filter((u) => u.id !== me.id), hasMore: page.has_more });
        },
        (err: unknown) => {
          if (current) setFound({ state: "failed", query, error: describeError(err) });
        },
      );
    }, PEOPLE_SEARCH_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, me.id]);

  const message = async (username: string) => {
    setProblem(null);
    try {
      await onMessage(username);
      setText("");
    } catch (err) {
      setProblem(describeError(err));
    }
  };

  // Nothing typed: nothing found, whatever the last search said.
  const shown: Found = query ? found : { state: "idle" };
  let summary = "";
  if (shown.state === "searching") summary = "Searching…";
  else if (shown.state === "done")
    summary = shown.users.length === 0 ? `No one found for “${shown.query}”.` : shown.users.length === 1 ? "1 person found." : `${shown.users.length} people found.`;

  return (
    <div className="people-search">
      <form role="search" aria-label="People" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor={`${id}-q`}>Find someone to message</label>
        <input
          id={`${id}-q`}
          type="search"
          value={text}
          autoCapitalize="none"
          autoComplete="off"
          spellCheck={false}
          placeholder="Start of a username"
          aria-describedby={`${id}-summary`}
          onChange={(event) => setText(event.target.value)}
        />
      </form>
      <p id={`${id}-summary`} className="muted" role="status">
        {summary}
      </p>
      {shown.state === "failed" && (
        <p className="field-error" role="alert">
          {shown.error}
        </p>
      )}
      {shown.state === "done" && shown.users.length > 0 && (
        <ul aria-label="People found" className="people-found">
          {shown.users.map((user) => (
            <li key={user.id}>
              <span className="member-name">{user.username}</span>
              <button
                type="button"
                className="member-message"
                aria-label={`Message ${user.username}`}
                onClick={() => void message(user.username)}
              >
                Message
              </button>
            </li>
          ))}
        </ul>
      )}
      {shown.state === "done" && shown.hasMore && <p className="muted">More people match: type more of the name.</p>}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
