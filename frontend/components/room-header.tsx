import { useEffect, useId, useRef, useState } from "react";

import { describeError } from "../lib/api-error";
import type { NotifyLevel, Room } from "../lib/api-types";
import { NOTIFY_LEVELS } from "../lib/notifications";
import type { ConnectionStatus } from "../lib/app-socket";
import { ConfirmAction } from "./confirm-action";
import { ConnectionBadge } from "./connection-badge";

interface RoomHeaderProps {
  room: Room;
  /** Members as the member list counts them (else the room's own count). */
  memberCount: number;
  status: ConnectionStatus;
  /** The owner or an admin: the room's settings can be opened (not for a direct room). */
  canEdit: boolean;
  settingsOpen: boolean;
  onToggleSettings(): void;
  onLeave(): Promise<void>;
  /** Take the focus on mounting (the room the person was in went away). */
  focusTitle?: boolean;
  onTitleFocused?(): void;
  /** What the person is notified of here; absent: no setting shown. */
  notify?: NotifyLevel;
  onNotifyChange?(level: NotifyLevel): Promise<void>;
  /** The member panel beside the room: shown or hidden by a toggle here (absent: no toggle). */
  membersOpen?: boolean;
  onToggleMembers?(): void;
}

export function RoomHeader({
  room,
  memberCount,
  status,
  canEdit,
  settingsOpen,
  onToggleSettings,
  onLeave,
  focusTitle = false,
  onTitleFocused,
  notify,
  onNotifyChange,
  membersOpen,
  onToggleMembers,
}: RoomHeaderProps) {
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!focusTitle) return;
    title.current?.focus();
    onTitleFocused?.();
  }, [focusTitle, onTitleFocused]);

  return (
    <div className="room-header">
      <div className="room-heading">
        <h1 id="room-title" ref={title} tabIndex={-1}>
          <span aria-hidden="true">{room.is_direct ? "@ " : room.is_private ? "🔒 " : "# "}</span>
          {room.name}
          {room.is_direct ? (
            <span className="visually-hidden"> (direct message)</span>
          ) : (
            room.is_private && <span className="visually-hidden"> (private room)</span>
          )}
        </h1>
        <p className="room-facts">
          <span className="room-member-count">{memberCount === 1 ? "1 member" : `${memberCount} members`}</span>
          {room.topic && (
            <>
              <span aria-hidden="true"> · </span>
              <span className="room-topic">
                <span className="visually-hidden">Topic: </span>
                {room.topic}
              </span>
            </>
          )}
        </p>
      </div>
      <div className="room-header-actions">
        <ConnectionBadge status={status} />
        {notify && onNotifyChange && <NotifySetting level={notify} onChange={onNotifyChange} />}
        {onToggleMembers && membersOpen !== undefined && (
          <button
            type="button"
            className="members-toggle"
            aria-expanded={membersOpen}
            aria-controls="room-aside"
            title={membersOpen ? "Hide the member list" : "Show the member list"}
            onClick={onToggleMembers}
          >
            <span aria-hidden="true">👥</span> <span className="phone-label">Members</span>
          </button>
        )}
        {canEdit && (
          <button type="button" aria-expanded={settingsOpen} aria-controls="room-settings" onClick={onToggleSettings}>
            Room settings
          </button>
        )}
        <ConfirmAction
          label="Leave"
          ariaLabel={`Leave ${room.is_direct ? "the conversation with " : ""}${room.name}`}
          question={
            room.is_direct
              ? "Leave this conversation?"
              : room.is_private
                ? "Leave? Only an invitation brings you back."
                : "Leave this room?"
          }
          confirmLabel="Yes, leave"
          onConfirm={onLeave}
        />
      </div>
    </div>
  );
}

/** The room's notification setting: every message, mentions only, or none. */
function NotifySetting({ level, onChange }: { level: NotifyLevel; onChange(level: NotifyLevel): Promise<void> }) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="notify-setting">
      <label htmlFor={id}>
        <span aria-hidden="true">{level === "muted" ? "🔕" : "🔔"}</span>
        <span className="visually-hidden">Notifications for this room</span>
      </label>
      <select
        id={id}
        value={level}
        title="Notifications for this room"
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => {
          setError(null);
          onChange(event.target.value as NotifyLevel).catch((err: unknown) => setError(describeError(err)));
        }}
      >
        {NOTIFY_LEVELS.map((option) => (
          <option key={option.level} value={option.level}>
            {option.label}
          </option>
        ))}
      </select>
      {error && (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
