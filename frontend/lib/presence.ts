// Who is online in a room and who is typing, as a pure reducer fed by WebSocket frames.

import type { UserPublic } from "./api-types";

export interface Typist {
  user: UserPublic;
  /** Epoch ms after which the indicator is stale: typing frames carry no "stopped". */
  until: number;
}

export interface PresenceState {
  online: UserPublic[];
  typing: Typist[];
}

export type PresenceAction =
  | { type: "snapshot"; online: UserPublic[] }
  | { type: "joined"; user: UserPublic }
  | { type: "left"; user: UserPublic }
  | { type: "typing"; user: UserPublic; until: number }
  | { type: "spoke"; userId: number }
  | { type: "expire"; now: number };

export const initialPresenceState: PresenceState = { online: [], typing: [] };

const byName = (a: UserPublic, b: UserPublic) => a.username.localeCompare(b.username);

export function presenceReducer(state: PresenceState, action: PresenceAction): PresenceState {
  switch (action.type) {
    case "snapshot":
      return { ...state, online: [...action.online].sort(byName) };
    case "joined":
      if (state.online.some((u) => u.id === action.user.id)) return state;
      return { ...state, online: [...state.online, action.user].sort(byName) };
    case "left":
      return {
        online: state.online.filter((u) => u.id !== action.user.id),
        typing: state.typing.filter((t) => t.user.id !== action.user.id),
      };
    case "typing":
      // Only a connected socket can type, so a typist is online even if their join was
      // not announced (the server stays quiet about arrivals right after it restarts).
      return {
        online: state.online.some((u) => u.id === action.user.id)
          ? state.online
          : [...state.online, action.user].sort(byName),
        typing: [...state.typing.filter((t) => t.user.id !== action.user.id), { user: action.user, until: action.until }],
      };
    case "spoke":
      // Their message arrived: they have stopped typing it.
      if (!state.typing.some((t) => t.user.id === action.userId)) return state;
      return { ...state, typing: state.typing.filter((t) => t.user.id !== action.userId) };
    case "expire":
      if (!state.typing.some((t) => t.until <= action.now)) return state;
      return { ...state, typing: state.typing.filter((t) => t.until > action.now) };
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
