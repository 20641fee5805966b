// Who is typing in the open room, as a pure reducer fed by `typing` and `message` frames.
// (Who is online is app-wide: app-state.ts keeps it from hello and presence frames.)

import type { UserPublic } from "./api-types";

export interface Typist {
  user: UserPublic;
  /** Epoch ms after which the indicator is stale: typing frames carry no "stopped". */
  until: number;
}

export type TypingAction =
  | { type: "typing"; user: UserPublic; until: number }
  | { type: "spoke"; userId: number }
  | { type: "expire"; now: number };

export function typingReducer(state: readonly Typist[], action: TypingAction): Typist[] {
  switch (action.type) {
    case "typing":
      return [...state.filter((t) => t.user.id !== action.user.id), { user: action.user, until: action.until }];
    case "spoke":
      // Their message arrived: they have stopped typing it.
      if (!state.some((t) => t.user.id === action.userId)) return state as Typist[];
      return state.filter((t) => t.user.id !== action.userId);
    case "expire":
      if (!state.some((t) => t.until <= action.now)) return state as Typist[];
      return state.filter((t) => t.until > action.now);
  }
}

/** "alice is typing…", "alice and bob are typing…", "Several people are typing…". */
export function typingText(typists: readonly Typist[]): string {
  const names = typists.map((t) => t.user.username);
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}
