import { useCallback, useEffect, useState } from "react";

import { api } from "./api";
import { describeError } from "./api-error";
import type { Room } from "./api-types";

export interface RoomsView {
  rooms: Room[] | null;
  error: string | null;
  reload(): Promise<Room[]>;
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
    return () => {
      cancelled = true;
    };
  }, [enabled]);

  return { rooms, error, reload };
}
