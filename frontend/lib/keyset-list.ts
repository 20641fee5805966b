// A searchable list read page by page with a keyset cursor (`after` = the last id seen), as the
// admin pages read users and rooms: typing starts a new search (after a short pause), "Load more"
// appends the next page, and an answer that comes back after a newer request was made is
// dropped, so the list always shows the latest search. A row changed or deleted here while a
// request is out stays as changed: that request's answer may have been read before the change.

import { useCallback, useEffect, useReducer, useRef } from "react";

export interface KeysetQuery {
  q: string;
  after?: number;
  limit: number;
}

export interface KeysetState<T> {
  query: string;
  items: T[];
  /** A full page came back: there may be more (a short page is the last). */
  hasMore: boolean;
  status: "loading" | "ready" | "failed";
  error: unknown;
  /** The request whose answer counts; older answers are ignored. */
  request: number;
  /** Rows replaced (`item`) or removed (`null`) here since `request` was made, applied over its answer. */
  edits: { id: number; item: T | null }[];
}

export type KeysetAction<T> =
  | { type: "search"; query: string; request: number }
  | { type: "more"; request: number }
  | { type: "page"; request: number; items: T[]; append: boolean; pageSize: number }
  | { type: "failed"; request: number; error: unknown }
  | { type: "replace"; item: T }
  | { type: "remove"; id: number };

export function initialKeysetState<T>(): KeysetState<T> {
  return { query: "", items: [], hasMore: false, status: "loading", error: null, request: 0, edits: [] };
}

export function keysetReducer<T extends { id: number }>(state: KeysetState<T>, action: KeysetAction<T>): KeysetState<T> {
  switch (action.type) {
    case "search":
      return { ...state, query: action.query, status: "loading", error: null, request: action.request, edits: [] };
    case "more":
      return { ...state, status: "loading", error: null, request: action.request, edits: [] };
    case "page": {
      if (action.request !== state.request) return state;
      const seen = new Set(action.append ? state.items.map((item) => item.id) : []);
      const fresh = withEdits(
        action.items.filter((item) => !seen.has(item.id)),
        state.edits,
      );
      return {
        ...state,
        items: action.append ? [...state.items, ...fresh] : fresh,
        hasMore: action.items.length >= action.pageSize,
        status: "ready",
        error: null,
        edits: [],
      };
    }
    case "failed":
      return action.request === state.request ? { ...state, status: "failed", error: action.error } : state;
    case "replace":
    case "remove": {
      const edit = action.type === "replace" ? { id: action.item.id, item: action.item } : { id: action.id, item: null };
      // Only a request still out can answer with the row as it was.
      const edits = state.status === "loading" ? [...state.edits, edit] : state.edits;
      return { ...state, items: withEdits(state.items, [edit]), edits };
    }
  }
}

function withEdits<T extends { id: number }>(items: T[], edits: { id: number; item: T | null }[]): T[] {
  if (edits.length === 0) return items;
  const latest = new Map(edits.map((edit) => [edit.id, edit.item]));
  return items.flatMap((item) => {
    if (!latest.has(item.id)) return [item];
    const edited = latest.get(item.id);
    return edited ? [edited] : [];
  });
}

export interface KeysetList<T> extends KeysetState<T> {
  search(query: string): void;
  loadMore(): void;
  /** The first page of the current search again. */
  reload(): void;
  replace(item: T): void;
  remove(id: number): void;
}

/** `fetchPage` must be stable (a module function or a memoised one). */
export function useKeysetList<T extends { id: number }>(
  fetchPage: (query: KeysetQuery) => Promise<T[]>,
  { pageSize = 50, debounceMs = 250 }: { pageSize?: number; debounceMs?: number } = {},
): KeysetList<T> {
  const [state, dispatch] = useReducer(keysetReducer<T>, undefined, initialKeysetState<T>);
  const counter = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(state);
  useEffect(() => {
    latest.current = state;
  });

  const run = useCallback(
    (query: string, after: number | undefined, request: number) => {
      fetchPage({ q: query.trim(), after, limit: pageSize }).then(
        (items) => dispatch({ type: "page", request, items, append: after !== undefined, pageSize }),
        (error: unknown) => dispatch({ type: "failed", request, error }),
      );
    },
    [fetchPage, pageSize],
  );

  const start = useCallback(
    (query: string, delay: number) => {
      counter.current += 1;
      const request = counter.current;
      dispatch({ type: "search", query, request });
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        timer.current = null;
        run(query, undefined, request);
      }, delay);
    },
    [run],
  );

  useEffect(() => {
    start("", 0);
    return () => {
      if (timer.current !== null) clearTimeout(timer.current);
    };
  }, [start]);

  const search = useCallback((query: string) => start(query, debounceMs), [start, debounceMs]);
  const reload = useCallback(() => start(latest.current.query, 0), [start]);
  const loadMore = useCallback(() => {
    const { items, query } = latest.current;
    counter.current += 1;
    const request = counter.current;
    dispatch({ type: "more", request });
    run(query, items.at(-1)?.id, request);
  }, [run]);
  const replace = useCallback((item: T) => dispatch({ type: "replace", item }), []);
  const remove = useCallback((id: number) => dispatch({ type: "remove", id }), []);

  return { ...state, search, loadMore, reload, replace, remove };
}
