import Head from "next/head";
import { useRouter } from "next/router";
import { useCallback, useMemo, useState } from "react";

import { AppHeader } from "../components/app-header";
import { MentionsPanel } from "../components/mentions-panel";
import { PageStatus } from "../components/page-status";
import { RoomList } from "../components/room-list";
import { RoomView } from "../components/room-view";
import { SearchPanel } from "../components/search-panel";
import type { Message, Room } from "../lib/api-types";
import { useAppConnection } from "../lib/app-connection";
import type { RemovalReason } from "../lib/app-state";
import { totalUnread } from "../lib/room-list";
import { useAuthGuard } from "../lib/use-auth-guard";

/** The room in the URL (?room=ID) if it is one of ours, else the first room we are in. */
function pickRoom(rooms: readonly Room[], wanted: unknown): Room | null {
  const id = typeof wanted === "string" ? Number(wanted) : NaN;
  return rooms.find((room) => room.id === id) ?? rooms[0] ?? null;
}

/** The message to open the room at (?message=ID, from a search result), or null. */
function pickMessage(wanted: unknown): number | null {
  const id = typeof wanted === "string" ? Number(wanted) : NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

const REMOVED_BECAUSE: Record<RemovalReason, (name: string) => string> = {
  left: (name) => `You left ${name}.`,
  removed: (name) => `You were removed from ${name}.`,
  deleted: (name) => `${name} was deleted.`,
};

export default function ChatPage() {
  const user = useAuthGuard("user");
  const router = useRouter();
  const { api, state, dispatch, error } = useAppConnection();
  const [roomsOpen, setRoomsOpen] = useState(false);
  const [focusTitle, setFocusTitle] = useState(false);
  const { rooms, joinable, lastRemoved } = state;

  const openRoom = useCallback(
    async (roomId: number, messageId?: number) => {
      setRoomsOpen(false);
      await router.push({ pathname: "/chat/", query: messageId ? { room: roomId, message: messageId } : { room: roomId } });
    },
    [router],
  );

  /** An HTTP answer made the person a member: listed at once (the socket's room_added agrees). */
  const entered = useCallback(
    async (room: Room) => {
      dispatch({ type: "roomJoined", room });
      await openRoom(room.id);
    },
    [dispatch, openRoom],
  );

  const join = useCallback(async (room: Room) => entered(await api.rooms.join(room.id)), [api, entered]);
  const create = useCallback(
    async (name: string, isPrivate: boolean) => entered(await api.rooms.create(name, isPrivate)),
    [api, entered],
  );
  const messagePerson = useCallback(async (username: string) => entered(await api.directRoom(username)), [api, entered]);
  const searchPeople = useCallback((prefix: string) => api.users.search(prefix), [api]);

  const leave = useCallback(
    async (room: Room) => {
      await api.rooms.leave(room.id);
      dispatch({ type: "roomLeft", roomId: room.id });
    },
    [api, dispatch],
  );

  const openResult = useCallback(
    (message: Message) => {
      void openRoom(message.room_id, message.id);
    },
    [openRoom],
  );

  // The room being read went away (left, removed, deleted): the next one's title takes the
  // focus, so that it is not lost with the controls that went.
  const wantedRoom = Number(router.query.room);
  const removedHere = lastRemoved !== null && lastRemoved.roomId === wantedRoom ? lastRemoved : null;
  const [announced, setAnnounced] = useState<typeof lastRemoved>(null);
  if (removedHere && announced !== removedHere) {
    // Set during render (React's pattern for state derived from a change of props).
    setAnnounced(removedHere);
    setFocusTitle(true);
  }
  const titleFocused = useCallback(() => setFocusTitle(false), []);

  const listed = useMemo(() => (rooms ? [...rooms, ...joinable] : []), [rooms, joinable]);

  // Before hydration the static page has no query string yet: wait, rather than open the
  // default room and then switch to the one in the URL.
  if (!user || !router.isReady) return <PageStatus />;
  if (!rooms) return <PageStatus>{error ? <p role="alert">{error}</p> : undefined}</PageStatus>;

  const room = pickRoom(rooms, router.query.room);
  const focus = room && wantedRoom === room.id ? pickMessage(router.query.message) : null;
  const unread = totalUnread(rooms.filter((r) => r.id !== room?.id));
  const notice = removedHere ? REMOVED_BECAUSE[removedHere.reason](removedHere.name) : null;

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
        <MentionsPanel api={api} rooms={rooms} onOpen={openResult} />
      </AppHeader>
      <div className="chat-body">
        <RoomList
          rooms={listed}
          activeRoomId={room?.id ?? null}
          onJoin={join}
          onCreate={create}
          onNavigate={() => setRoomsOpen(false)}
          me={user}
          searchPeople={searchPeople}
          onMessagePerson={messagePerson}
        />
        {room ? (
          <RoomView
            key={`${room.id}:${focus ?? ""}`}
            room={room}
            me={user}
            onMessagePerson={messagePerson}
            onLeave={leave}
            focusMessageId={focus}
            onOpenMessage={(messageId) => void openRoom(room.id, messageId)}
            notice={notice}
            focusTitle={focusTitle}
            onTitleFocused={titleFocused}
          />
        ) : (
          <main className="room-empty">
            {notice && <p role="status">{notice}</p>}
            <p>Join a public room or create one to start chatting.</p>
          </main>
        )}
      </div>
    </div>
  );
}
