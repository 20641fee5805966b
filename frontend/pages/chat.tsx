import Head from "next/head";
import { useRouter } from "next/router";
import { useCallback, useState } from "react";

import { AppHeader } from "../components/app-header";
import { PageStatus } from "../components/page-status";
import { RoomList } from "../components/room-list";
import { RoomView } from "../components/room-view";
import { api } from "../lib/api";
import type { Room } from "../lib/api-types";
import { useAuthGuard } from "../lib/use-auth-guard";
import { useRooms } from "../lib/use-rooms";

/** The room in the URL (?room=ID) if it is one of ours, else the first room we are in. */
function pickRoom(rooms: readonly Room[], wanted: unknown): Room | null {
  const id = typeof wanted === "string" ? Number(wanted) : NaN;
  return rooms.find((room) => room.joined && room.id === id) ?? rooms.find((room) => room.joined) ?? null;
}

export default function ChatPage() {
  const user = useAuthGuard("user");
  const router = useRouter();
  const { rooms, error, reload } = useRooms(user !== null);
  const [roomsOpen, setRoomsOpen] = useState(false);

  const openRoom = useCallback(
    async (roomId: number) => {
      await reload();
      setRoomsOpen(false);
      await router.push({ pathname: "/chat/", query: { room: roomId } });
    },
    [reload, router],
  );

  const join = useCallback(
    async (room: Room) => {
      await api.rooms.join(room.id);
      await openRoom(room.id);
    },
    [openRoom],
  );

  const create = useCallback(
    async (name: string, isPrivate: boolean) => {
      const room = await api.rooms.create(name, isPrivate);
      await openRoom(room.id);
    },
    [openRoom],
  );

  const onRoomClosed = useCallback(() => {
    reload().catch(() => undefined);
  }, [reload]);

  // Before hydration the static page has no query string yet: wait, rather than open the
  // default room and then switch to the one in the URL.
  if (!user || !router.isReady) return <PageStatus />;
  if (!rooms) return <PageStatus>{error ? <p role="alert">{error}</p> : undefined}</PageStatus>;

  const room = pickRoom(rooms, router.query.room);

  return (
    <div className="chat-page" data-rooms-open={roomsOpen}>
      <Head>
        <title>{room ? `${room.name} · Chat` : "Chat"}</title>
      </Head>
      <AppHeader user={user}>
        <button
          type="button"
          className="rooms-toggle"
          aria-expanded={roomsOpen}
          aria-controls="room-list"
          onClick={() => setRoomsOpen((open) => !open)}
        >
          {roomsOpen ? "Hide rooms" : "Show rooms"}
        </button>
      </AppHeader>
      <div className="chat-body">
        <RoomList
          rooms={rooms}
          activeRoomId={room?.id ?? null}
          onJoin={join}
          onCreate={create}
          onNavigate={() => setRoomsOpen(false)}
        />
        {room ? (
          <RoomView key={room.id} room={room} me={user} onRoomClosed={onRoomClosed} />
        ) : (
          <main className="room-empty">
            <p>Join a public room or create one to start chatting.</p>
          </main>
        )}
      </div>
    </div>
  );
}
