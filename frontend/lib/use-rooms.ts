import { useCallback, useEffect, useState } from "react";

import { api } from "./api";
import { describeError } from "./api-error";
import type { Room } from "./api-types";
import { replaceRoom } from "./room-list";

/**
 * How often the list (and its unread counts) is read again. A page holds a socket for one room
 * only, so news of the others comes this way; reads in other tabs come at once (`read` frames).
 */
export const ROOMS_REFRESH_MS = 10_000;

export interface RoomsView {
  rooms: Room[] | null;
  error: string | null;
  reload(): Promise<Room[]>;
  /** Reads one room again (its unread count changed). */
  refreshRoom(roomId: number): void;
}

/** The rooms the signed-in person can see (public ones and private ones they are in). */
export function useRooms(enabled: boolean): RoomsView {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    const next = await api.rooms.list();
    setRooms(next);
    setError(null);
    return next;
  }, []);

  const refreshRoom = useCallback((roomId: number) => {
    api.rooms.get(roomId).then(
      (room) => setRooms((current) => (current ? replaceRoom(current, room) : current)),
      () => undefined, // gone or no longer visible: the next full reload drops it
    );
  }, []);

  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    api.rooms.list().then(
      (next) => {
        if (!cancelled) setRooms(next);
      },
      (err: unknown) => {
        if (!cancelled) setError(describeError(err));
      },
    );
    const refresh = () => {
      if (document.visibilityState !== "visible") return; // a hidden tab catches up when shown
      api.rooms.list().then(
        (next) => {
          if (!cancelled) setRooms(next);
        },
        () => undefined, // keep showing the last list; the next round tries again
      );
    };
    const timer = setInterval(refresh, ROOMS_REFRESH_MS);
    window.addEventListener("focus", refresh);
    document.addEventListener("visibilitychange", refresh);
    return () => {
      cancelled = true;
      clearInterval(timer);
      window.removeEventListener("focus", refresh);
      document.removeEventListener("visibilitychange", refresh);
    };
  }, [enabled]);

  return { rooms, error, reload, refreshRoom };
}
