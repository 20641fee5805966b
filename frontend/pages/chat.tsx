import Head from "next/head";
import { useRouter } from "next/router";
import { useCallback, useState } from "react";

import { AppHeader } from "../components/app-header";
import { PageStatus } from "../components/page-status";
import { RoomList } from "../components/room-list";
import { RoomView } from "../components/room-view";
import { SearchPanel } from "../components/search-panel";
import { api } from "../lib/api";
import type { Message, Room } from "../lib/api-types";
import { totalUnread } from "../lib/room-list";
import { useAuthGuard } from "../lib/use-auth-guard";
import { useRooms } from "../lib/use-rooms";

/** The room in the URL (?room=ID) if it is one of ours, else the first room we are in. */
function pickRoom(rooms: readonly Room[], wanted: unknown): Room | null {
  const id = typeof wanted === "string" ? Number(wanted) : NaN;
  return rooms.find((room) => room.joined && room.id === id) ?? rooms.find((room) => room.joined) ?? null;
}

/** The message to open the room at (?message=ID, from a search result), or null. */
function pickMessage(wanted: unknown): number | null {
  const id = typeof wanted === "string" ? Number(wanted) : NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

export default function ChatPage() {
  const user = useAuthGuard("user");
  const router = useRouter();
  const { rooms, error, reload, refreshRoom } = useRooms(user !== null);
  const [roomsOpen, setRoomsOpen] = useState(false);

  const openRoom = useCallback(
    async (roomId: number, messageId?: number) => {
      await reload();
      setRoomsOpen(false);
      await router.push({ pathname: "/chat/", query: messageId ? { room: roomId, message: messageId } : { room: roomId } });
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

  const messagePerson = useCallback(
    async (username: string) => {
      const room = await api.directRoom(username);
      await openRoom(room.id);
    },
    [openRoom],
  );

  const openResult = useCallback(
    (message: Message) => {
      void openRoom(message.room_id, message.id);
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
  const focus = room && Number(router.query.room) === room.id ? pickMessage(router.query.message) : null;
  const unread = totalUnread(rooms.filter((r) => r.id !== room?.id));

  return (
    <div className="chat-page" data-rooms-open={roomsOpen}>
      <Head>
        <title>{`${unread > 0 ? `(${unread}) ` : ""}${room ? `${room.name} · Chat` : "Chat"}`}</title>
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
        <SearchPanel rooms={rooms} onOpen={openResult} />
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
          <RoomView
            key={`${room.id}:${focus ?? ""}`}
            room={room}
            me={user}
            onRoomClosed={onRoomClosed}
            onRoomRead={refreshRoom}
            onMessagePerson={messagePerson}
            focusMessageId={focus}
          />
        ) : (
          <main className="room-empty">
            <p>Join a public room or create one to start chatting.</p>
          </main>
        )}
      </div>
    </div>
  );
}
