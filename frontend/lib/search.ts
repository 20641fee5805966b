// Message search on the client: what a query must be, the state of a search as a pure
// reducer (pages come newest first), and where the match sits in a result's text.

import { LIMITS } from "./api-constants";
import type { Message } from "./api-types";

/** Why a query would be refused, or null. The server's rule: 2–200 characters once trimmed. */
export function searchProblem(query: string): string | null {
  const text = query.trim();
  if (text.length < LIMITS.searchMin) return `Type at least ${LIMITS.searchMin} characters.`;
  if (text.length > LIMITS.searchMax) return `At most ${LIMITS.searchMax} characters.`;
  return null;
}

export interface SearchState {
  query: string;
  results: Message[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
}

export type SearchAction =
  | { type: "started"; query: string }
  | { type: "moreRequested" }
  | { type: "loaded"; query: string; results: Message[]; hasMore: boolean; more: boolean }
  | { type: "failed"; query: string; error: string }
  | { type: "cleared" };

export const initialSearchState: SearchState = { query: "", results: [], hasMore: false, loading: false, error: null };

export function searchReducer(state: SearchState, action: SearchAction): SearchState {
  switch (action.type) {
    case "started":
      return { query: action.query, results: [], hasMore: false, loading: true, error: null };
    case "moreRequested":
      return { ...state, loading: true, error: null };
    case "loaded": {
      // An answer to an older query (the person typed on): not this search's.
      if (action.query !== state.query) return state;
      const seen = new Set(state.results.map((m) => m.id));
      const results = action.more ? [...state.results, ...action.results.filter((m) => !seen.has(m.id))] : action.results;
      return { ...state, results, hasMore: action.hasMore, loading: false };
    }
    case "failed":
      return action.query === state.query ? { ...state, loading: false, error: action.error } : state;
    case "cleared":
      return initialSearchState;
  }
}

/** The next page's cursor: results come newest first, so the smallest id shown. */
export function nextCursor(results: readonly Message[]): number | undefined {
  return results.length ? Math.min(...results.map((m) => m.id)) : undefined;
}

export interface TextPart {
  text: string;
  match: boolean;
}

/** `text` cut around each case-insensitive occurrence of `query`, for <mark>ing. */
export function highlightParts(text: string, query: string): TextPart[] {
  const needle = query.trim().toLocaleLowerCase();
  const haystack = text.toLocaleLowerCase();
  // Lower-casing changes the length of a few characters (İ): then positions would not match.
  if (!needle || haystack.length !== text.length) return [{ text, match: false }];
  const parts: TextPart[] = [];
  let from = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) {
    if (at > from) parts.push({ text: text.slice(from, at), match: false });
    parts.push({ text: text.slice(at, at + needle.length), match: true });
    from = at + needle.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from), match: false });
  return parts.length ? parts : [{ text, match: false }];
}
