import { useId, useRef, useState, type KeyboardEvent } from "react";

import type { Room } from "../lib/api-types";
import { sidebarOrder } from "../lib/app-keys";
import { fuzzyFilter } from "../lib/fuzzy";
import { ModalDialog } from "./modal-dialog";

interface RoomSwitcherProps {
  /** The person's rooms and direct messages. */
  rooms: readonly Room[];
  activeRoomId: number | null;
  onOpen(room: Room): void;
  onClose(): void;
}

const kindOf = (room: Room) => (room.is_direct ? "Direct message" : room.is_private ? "Private room" : "Room");
const signOf = (room: Room) => (room.is_direct ? "@" : room.is_private ? "🔒" : "#");

/** Ctrl/Cmd+K: type part of a room's or a person's name, arrows choose, Enter opens, Esc closes. */
export function RoomSwitcher({ rooms, activeRoomId, onOpen, onClose }: RoomSwitcherProps) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const joined = sidebarOrder(rooms);
  // With nothing typed the room being read goes last: the switcher is for going elsewhere.
  const ordered = query.trim() === "" ? [...joined.filter((r) => r.id !== activeRoomId), ...joined.filter((r) => r.id === activeRoomId)] : joined;
  const matches = fuzzyFilter(ordered, query, (room) => room.name);
  const current = Math.min(active, Math.max(matches.length - 1, 0));
  const optionId = (room: Room) => `${id}-room-${room.id}`;
  const chosen = matches[current];

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.nativeEvent.isComposing) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (matches.length === 0) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((current + step + matches.length) % matches.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (chosen) onOpen(chosen);
    }
  };

  return (
    <ModalDialog title="Switch room" onClose={onClose} initialFocus={input} className="room-switcher">
      <label htmlFor={`${id}-input`} className="visually-hidden">
        Room or person
      </label>
      <input
        ref={input}
        id={`${id}-input`}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        placeholder="Go to a room or a person…"
        aria-expanded={matches.length > 0}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={chosen ? optionId(chosen) : undefined}
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ul id={`${id}-list`} role="listbox" aria-label="Rooms and people" className="room-switcher-list">
        {matches.map((room, index) => (
          <li
            key={room.id}
            id={optionId(room)}
            role="option"
            aria-selected={index === current}
            className={index === current ? "active" : undefined}
            onMouseDown={(event) => event.preventDefault()}
            onMouseMove={() => index !== current && setActive(index)}
            onClick={() => onOpen(room)}
          >
            <span aria-hidden="true" className="room-switcher-sign">
              {signOf(room)}
            </span>
            <span className="room-switcher-name">{room.name}</span>
            <span className="muted room-switcher-kind">{kindOf(room)}</span>
            {room.id !== activeRoomId && room.unread_count > 0 && (
              <span className="unread-badge">
                {room.unread_count > 99 ? "99+" : room.unread_count}
                <span className="visually-hidden"> unread</span>
              </span>
            )}
          </li>
        ))}
      </ul>
      {matches.length === 0 && <p className="muted">No room or person by that name.</p>}
      <p className="field-hint" aria-hidden="true">
        ↑ ↓ to choose · Enter to open · Esc to close
      </p>
      <span className="visually-hidden" role="status" aria-live="polite">
        {query ? `${matches.length} ${matches.length === 1 ? "match" : "matches"}` : ""}
      </span>
    </ModalDialog>
  );
}
