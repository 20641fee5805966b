import Link from "next/link";
import { useId, useRef, useState } from "react";

import { describeError } from "../lib/api-error";
import type { Room, UserPublic } from "../lib/api-types";
import { unreadBadge } from "../lib/read-state";
import { groupRooms } from "../lib/room-list";
import { notifyLevel } from "../lib/notifications";
import { PREF_KEYS, readFlag, writeFlag } from "../lib/app-prefs";
import { CreateRoomForm } from "./create-room-form";
import { ModalDialog } from "./modal-dialog";
import { NotificationControls } from "./notification-controls";
import { PeopleSearch, type PeoplePage } from "./people-search";

interface RoomListProps {
  rooms: readonly Room[];
  activeRoomId: number | null;
  onJoin(room: Room): Promise<void>;
  onCreate(name: string, isPrivate: boolean): Promise<void>;
  /** Phone layout: the list is a drawer, closed once a room is picked. */
  onNavigate?(): void;
  /** Finding people to start a direct conversation with: shown when all three are given. */
  me?: UserPublic;
  searchPeople?(prefix: string): Promise<PeoplePage>;
  onMessagePerson?(username: string): Promise<void>;
}

export function RoomList({ rooms, activeRoomId, onJoin, onCreate, onNavigate, me, searchPeople, onMessagePerson }: RoomListProps) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [publicOpen, setPublicOpen] = useState(() => readFlag(PREF_KEYS.publicRoomsOpen, true));
  const plus = useRef<HTMLButtonElement>(null);
  const { rooms: joined, direct, joinable } = groupRooms(rooms);

  const create = async (name: string, isPrivate: boolean) => {
    await onCreate(name, isPrivate);
    setCreating(false);
  };

  const togglePublic = () => {
    setPublicOpen((open) => {
      writeFlag(PREF_KEYS.publicRoomsOpen, !open);
      return !open;
    });
  };

  const join = async (room: Room) => {
    setError(null);
    try {
      await onJoin(room);
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <nav aria-label="Rooms" className="room-list" id="room-list">
      <div className="room-list-head">
        <h2>Your rooms</h2>
        <button
          ref={plus}
          type="button"
          className="icon-button"
          aria-label="New room"
          title="New room"
          aria-haspopup="dialog"
          onClick={() => setCreating(true)}
        >
          <span aria-hidden="true">+</span>
        </button>
      </div>
      {joined.length === 0 && <p className="muted">You are in no room yet.</p>}
      <ul>
        {joined.map((room) => (
          <RoomLink key={room.id} room={room} active={room.id === activeRoomId} onNavigate={onNavigate} />
        ))}
      </ul>
      {(direct.length > 0 || searchPeople) && <h2>Direct messages</h2>}
      {direct.length > 0 && (
        <ul aria-label="Direct messages">
          {direct.map((room) => (
            <RoomLink key={room.id} room={room} active={room.id === activeRoomId} onNavigate={onNavigate} />
          ))}
        </ul>
      )}
      {me && searchPeople && onMessagePerson && (
        <PeopleSearch me={me} search={searchPeople} onMessage={onMessagePerson} />
      )}
      {joinable.length > 0 && (
        <>
          <h2 className="room-list-group">
            <button type="button" className="group-toggle" aria-expanded={publicOpen} aria-controls={`${id}-public`} onClick={togglePublic}>
              <span aria-hidden="true" className="group-toggle-caret">
                {publicOpen ? "▾" : "▸"}
              </span>{" "}
              Public rooms
            </button>
          </h2>
          <ul id={`${id}-public`} hidden={!publicOpen}>
            {joinable.map((room) => (
              <li key={room.id} className="room-joinable">
                <span>
                  # {room.name} <span className="muted">· {room.member_count}</span>
                </span>
                <button type="button" onClick={() => void join(room)} aria-label={`Join ${room.name}`}>
                  Join
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {creating && (
        <ModalDialog title="New room" onClose={() => setCreating(false)}>
          <CreateRoomForm onCreate={create} titled={false} />
        </ModalDialog>
      )}
      <NotificationControls />
    </nav>
  );
}

function RoomLink({ room, active, onNavigate }: { room: Room; active: boolean; onNavigate?(): void }) {
  // The room being read counts as read: its own badge would only flicker as messages arrive.
  const unread = active ? 0 : room.unread_count;
  const mentions = active ? 0 : (room.mention_count ?? 0);
  const muted = notifyLevel(room) === "muted";
  return (
    <li>
      <Link
        href={{ pathname: "/chat/", query: { room: room.id } }}
        aria-current={active ? "page" : undefined}
        onClick={onNavigate}
        className={unread > 0 ? "has-unread" : undefined}
      >
        <span className="room-link-name">
          <span aria-hidden="true">{room.is_direct ? "@" : room.is_private ? "🔒" : "#"}</span> {room.name}
          {room.is_direct ? (
            <span className="visually-hidden"> (direct message)</span>
          ) : (
            room.is_private && <span className="visually-hidden"> (private)</span>
          )}
          {muted && (
            <span className="room-muted" title="Notifications muted">
              {" "}
              <span aria-hidden="true">🔕</span>
              <span className="visually-hidden">(muted)</span>
            </span>
          )}
        </span>
        {mentions > 0 && (
          <span className="mention-badge" data-testid="mention-count" title={mentions === 1 ? "1 mention" : `${mentions} mentions`}>
            <span aria-hidden="true">@</span>
            {unreadBadge(mentions)}
            <span className="visually-hidden">{mentions === 1 ? " mention" : " mentions"}</span>
          </span>
        )}
        {unread > 0 && (
          <span className="unread-badge" data-testid="unread-count">
            {unreadBadge(unread)}
            <span className="visually-hidden"> unread</span>
          </span>
        )}
      </Link>
    </li>
  );
}
