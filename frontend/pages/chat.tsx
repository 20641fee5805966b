import Head from "next/head";
import { useRouter } from "next/router";
import { useCallback, useEffect, useMemo, useRef, useState, type MouseEvent } from "react";

import { AppHeader } from "../components/app-header";
import { ConnectionBanner } from "../components/connection-banner";
import { MentionsPanel } from "../components/mentions-panel";
import { PageStatus } from "../components/page-status";
import { RoomList } from "../components/room-list";
import { RoomSwitcher } from "../components/room-switcher";
import { RoomView } from "../components/room-view";
import { SearchPanel } from "../components/search-panel";
import type { Message, Room } from "../lib/api-types";
import { useAppConnection } from "../lib/app-connection";
import { adjacentRoom, shortcutFor } from "../lib/app-keys";
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

/** The room list on its way: "Loading…", then (failed, or 10 s gone) an error with Retry. */
function RoomsLoading({ error }: { error: string | null }) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), 10_000);
    return () => clearTimeout(timer);
  }, []);
  if (!error && !slow) return <PageStatus />;
  return (
    <PageStatus>
      <div role="alert" className="load-error">
        <p>{error ?? "The server is taking too long to answer."}</p>
        <button type="button" className="button-primary" onClick={() => window.location.reload()}>
          Retry
        </button>
      </div>
    </PageStatus>
  );
}

export default function ChatPage() {
  const user = useAuthGuard("user");
  const router = useRouter();
  const { api, state, dispatch, error, status } = useAppConnection();
  /** Bumped by Retry: the room view mounts again and loads from scratch. */
  const [attempt, setAttempt] = useState(0);
  const [roomsOpen, setRoomsOpen] = useState(false);
  const [focusTitle, setFocusTitle] = useState(false);
  const [switcherOpen, setSwitcherOpen] = useState(false);
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

  // Keyboard: Ctrl/Cmd+K opens the room switcher, Alt+Up/Down go to the previous/next room in
  // the sidebar's order. On the window, so that they work from the composer too.
  const currentRoomId = rooms ? (pickRoom(rooms, router.query.room)?.id ?? null) : null;
  const keys = useRef({ rooms, currentRoomId, switcherOpen, openRoom });
  useEffect(() => {
    keys.current = { rooms, currentRoomId, switcherOpen, openRoom };
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const action = shortcutFor(event);
      const { rooms: mine, currentRoomId: current, switcherOpen: open, openRoom: go } = keys.current;
      if (!action || !mine || event.defaultPrevented) return;
      if (action === "switcher") {
        event.preventDefault();
        setSwitcherOpen(true);
        return;
      }
      if (open) return;
      const next = adjacentRoom(mine, current, action === "nextRoom" ? 1 : -1);
      if (!next || next.id === current) return;
      event.preventDefault();
      void go(next.id);
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);

  // Before hydration the static page has no query string yet: wait, rather than open the
  // default room and then switch to the one in the URL.
  if (!user || !router.isReady) return <PageStatus />;
  if (!rooms) return <RoomsLoading error={error} />;

  const room = pickRoom(rooms, router.query.room);
  const focus = room && wantedRoom === room.id ? pickMessage(router.query.message) : null;
  const unread = totalUnread(rooms.filter((r) => r.id !== room?.id));

  const skipToComposer = (event: MouseEvent<HTMLAnchorElement>) => {
    const box = document.getElementById("composer");
    if (!box) return;
    event.preventDefault();
    box.focus();
  };
  const notice = removedHere ? REMOVED_BECAUSE[removedHere.reason](removedHere.name) : null;

  return (
    <div className="chat-page" data-rooms-open={roomsOpen}>
      <Head>
        <title>{`${unread > 0 ? `(${unread}) ` : ""}${room ? `${room.name} · Chat` : "Chat"}`}</title>
      </Head>
      <a href="#composer" className="skip-link" onClick={skipToComposer}>
        Skip to composer
      </a>
      <AppHeader user={user}>
        <button
          type="button"
          className="rooms-toggle"
          aria-expanded={roomsOpen}
          aria-controls="room-list"
          onClick={() => setRoomsOpen((open) => !open)}
        >
          <span aria-hidden="true" className="rooms-toggle-icon">
            ☰
          </span>{" "}
          <span className="phone-label">{roomsOpen ? "Hide rooms" : "Show rooms"}</span>
          {!roomsOpen && unread > 0 && (
            <span className="unread-badge rooms-toggle-badge" data-testid="rooms-unread-total">
              {unread > 99 ? "99+" : unread}
              <span className="visually-hidden"> unread</span>
            </span>
          )}
        </button>
        <SearchPanel rooms={rooms} onOpen={openResult} />
        <MentionsPanel api={api} rooms={rooms} onOpen={openResult} />
      </AppHeader>
      <ConnectionBanner status={status} />
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
            key={`${room.id}:${focus ?? ""}:${attempt}`}
            room={room}
            me={user}
            onMessagePerson={messagePerson}
            onLeave={leave}
            focusMessageId={focus}
            onOpenMessage={(messageId) => void openRoom(room.id, messageId)}
            notice={notice}
            focusTitle={focusTitle}
            onTitleFocused={titleFocused}
            onRetryLoad={() => setAttempt((n) => n + 1)}
          />
        ) : (
          <main className="room-empty">
            {notice && <p role="status">{notice}</p>}
            <p>Join a public room or create one to start chatting.</p>
          </main>
        )}
      </div>
      {switcherOpen && (
        <RoomSwitcher
          rooms={rooms}
          activeRoomId={room?.id ?? null}
          onClose={() => setSwitcherOpen(false)}
          onOpen={(chosen) => {
            setSwitcherOpen(false);
            if (chosen.id !== room?.id) void openRoom(chosen.id);
          }}
        />
      )}
    </div>
  );
}
