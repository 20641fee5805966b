import { useCallback, useState } from "react";

import { api } from "../lib/api";
import type { Room, User } from "../lib/api-types";
import { firstUnreadId } from "../lib/read-state";
import { useReadMarker } from "../lib/use-read-marker";
import { useRoomSocket } from "../lib/use-room-socket";
import { AddMemberForm } from "./add-member-form";
import { Composer } from "./composer";
import { ConnectionBadge } from "./connection-badge";
import { MessageList } from "./message-list";
import { OnlineMembers } from "./online-members";
import { TypingIndicator } from "./typing-indicator";

interface RoomViewProps {
  room: Room;
  me: User;
  onRoomClosed(roomId: number): void;
  /** The person's read marker moved in some room (this tab or another): its count changed. */
  onRoomRead?(roomId: number): void;
  /** Opens the direct room with someone. */
  onMessagePerson?(username: string): Promise<void>;
  /** Open around this message (a search result) instead of at the newest. */
  focusMessageId?: number | null;
}

/** One open room. Mount with key={room.id}: a new room starts from fresh state. */
export function RoomView({ room, me, onRoomClosed, onRoomRead, onMessagePerson, focusMessageId = null }: RoomViewProps) {
  const marker = useReadMarker(room.id);
  const { noteServer } = marker;
  const onRead = useCallback(
    (roomId: number, messageId: number) => {
      if (roomId === room.id) noteServer(messageId);
      onRoomRead?.(roomId);
    },
    [room.id, noteServer, onRoomRead],
  );
  const view = useRoomSocket(room.id, { onRoomClosed, onRead, focusMessageId });
  const canInvite = room.is_private && !room.is_direct && (room.owner_id === me.id || me.role === "admin");
  const addMember = useCallback(async (username: string) => {
    await api.rooms.addMember(room.id, username);
  }, [room.id]);

  // The divider marks what was unread when the room opened: up to the newest message then.
  const [ceiling, setCeiling] = useState<number | null>(null);
  const newest = view.list.messages.at(-1)?.id ?? 0;
  const ready = view.list.loaded && marker.opened.known;
  // Set once, during render (React's pattern for state derived from an earlier render).
  if (ready && ceiling === null) setCeiling(newest);
  const dividerId = firstUnreadId(view.list.messages, marker.opened.lastReadId, me.id, ceiling);

  return (
    <div className="room">
      <main className="room-main" aria-labelledby="room-title">
        <div className="room-header">
          <h1 id="room-title">
            <span aria-hidden="true">{room.is_direct ? "@ " : room.is_private ? "🔒 " : "# "}</span>
            {room.name}
            {room.is_direct ? (
              <span className="visually-hidden"> (direct message)</span>
            ) : (
              room.is_private && <span className="visually-hidden"> (private room)</span>
            )}
          </h1>
          <ConnectionBadge status={view.status} />
        </div>
        {view.closedReason && (
          <p className="banner banner-error" role="alert">
            {view.closedReason}
          </p>
        )}
        {view.notice && !view.closedReason && (
          <p className="banner" role="status">
            {view.notice}
          </p>
        )}
        <MessageList
          list={view.list}
          me={me}
          onLoadOlder={view.loadOlder}
          onRetry={view.retry}
          onDiscard={view.discard}
          onEdit={view.edit}
          onDelete={view.remove}
          onReact={view.react}
          onSeen={marker.seen}
          dividerId={dividerId}
          highlightId={focusMessageId}
          onLoadNewer={view.loadNewer}
          onJumpToLatest={view.jumpToLatest}
        />
        <TypingIndicator typists={view.presence.typing} />
        <Composer onSend={view.send} onTyping={view.notifyTyping} disabled={view.closedReason !== null} />
      </main>
      <aside className="room-aside" aria-label="Room details">
        <OnlineMembers
          online={view.presence.online}
          me={me}
          onMessage={room.is_direct ? undefined : onMessagePerson}
        />
        {canInvite && <AddMemberForm onAdd={addMember} />}
      </aside>
    </div>
  );
}
