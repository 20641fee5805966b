// The open room's members: read once over HTTP (`GET /rooms/{id}/members`, each with whether
// they are online), then kept live: who is online follows the app's presence frames, someone
// added or removed here changes the list at once, `member_changed` frames say who else joined
// (the list is read again, for their name and presence) or left, and someone the list does not
// know coming online or writing in the room reads it again.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { describeError } from "./api-error";
import type { RoomMember, UserPublic } from "./api-types";
import type { AppConnection } from "./app-connection";
import { isOnline } from "./app-state";

export interface MembersView {
  /** Null until read; `online` as of the latest word (presence frames win over the read). */
  members: RoomMember[] | null;
  error: string | null;
  reload(): void;
  /** Someone wrote or typed in the room: read the list again if they are not on it. */
  noteSender(user: UserPublic): void;
  added(member: RoomMember): void;
  removed(userId: number): void;
}

export function useMembers(
  roomId: number,
  connection: Pick<AppConnection, "api" | "state" | "subscribe" | "subscribePresence">,
): MembersView {
  const { api, state: presence, subscribe, subscribePresence } = connection;
  const [read, setRead] = useState<RoomMember[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const readRef = useRef(read);
  /** People not on the list who were asked about already (once each per reading). */
  const asked = useRef(new Set<number>());
  useEffect(() => {
    readRef.current = read;
  });

  useEffect(() => {
    let cancelled = false;
    api.rooms.members(roomId).then(
      (members) => {
        if (cancelled) return;
        asked.current.clear();
        setRead(members);
        setError(null);
      },
      (err: unknown) => {
        if (!cancelled) setError(describeError(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, roomId, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);

  const noteSender = useCallback(
    (user: UserPublic) => {
      const current = readRef.current;
      if (!current || current.some((m) => m.user.id === user.id) || asked.current.has(user.id)) return;
      asked.current.add(user.id);
      reload();
    },
    [reload],
  );

  useEffect(
    () =>
      subscribePresence(({ user, online }) => {
        if (online) noteSender(user);
      }),
    [subscribePresence, noteSender],
  );

  const added = useCallback((member: RoomMember) => {
    setRead((current) => (current && !current.some((m) => m.user.id === member.user.id) ? [...current, member] : current));
  }, []);

  const removed = useCallback((userId: number) => {
    setRead((current) => current?.filter((m) => m.user.id !== userId) ?? current);
  }, []);

  useEffect(
    () =>
      subscribe(roomId, (frame) => {
        if (frame.type !== "member_changed" || frame.room_id !== roomId) return;
        if (frame.joined) reload();
        else removed(frame.user_id);
      }),
    [subscribe, roomId, reload, removed],
  );

  const members = useMemo(
    () => read?.map((m) => ({ user: m.user, online: isOnline(presence, m.user.id, m.online) })) ?? null,
    [read, presence],
  );
  return { members, error, reload, noteSender, added, removed };
}
