import Link from "next/link";
import { useState } from "react";

import { describeError } from "../lib/api-error";
import type { Room } from "../lib/api-types";
import { CreateRoomForm } from "./create-room-form";

interface RoomListProps {
  rooms: readonly Room[];
  activeRoomId: number | null;
  onJoin(room: Room): Promise<void>;
  onCreate(name: string, isPrivate: boolean): Promise<void>;
  /** Phone layout: the list is a drawer, closed once a room is picked. */
  onNavigate?(): void;
}

export function RoomList({ rooms, activeRoomId, onJoin, onCreate, onNavigate }: RoomListProps) {
  const [error, setError] = useState<string | null>(null);
  const joined = rooms.filter((room) => room.joined);
  const joinable = rooms.filter((room) => !room.joined);

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
      <h2>Your rooms</h2>
      {joined.length === 0 && <p className="muted">You are in no room yet.</p>}
      <ul>
        {joined.map((room) => (
          <li key={room.id}>
            <Link
              href={{ pathname: "/chat/", query: { room: room.id } }}
              aria-current={room.id === activeRoomId ? "page" : undefined}
              onClick={onNavigate}
            >
              <span aria-hidden="true">{room.is_private ? "🔒" : "#"}</span> {room.name}
              {room.is_private && <span className="visually-hidden"> (private)</span>}
            </Link>
          </li>
        ))}
      </ul>
      {joinable.length > 0 && (
        <>
          <h2>Public rooms</h2>
          <ul>
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
      <CreateRoomForm onCreate={onCreate} />
    </nav>
  );
}
