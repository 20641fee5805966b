import { useCallback } from "react";

import { api } from "../lib/api";
import type { Room, User } from "../lib/api-types";
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
}

/** One open room. Mount with key={room.id}: a new room starts from fresh state. */
export function RoomView({ room, me, onRoomClosed }: RoomViewProps) {
  const view = useRoomSocket(room.id, { onRoomClosed });
  const canInvite = room.is_private && (room.owner_id === me.id || me.role === "admin");
  const addMember = useCallback(async (username: string) => {
    await api.rooms.addMember(room.id, username);
  }, [room.id]);

  return (
    <div className="room">
      <main className="room-main" aria-labelledby="room-title">
        <div className="room-header">
          <h1 id="room-title">
            <span aria-hidden="true">{room.is_private ? "🔒 " : "# "}</span>
            {room.name}
            {room.is_private && <span className="visually-hidden"> (private room)</span>}
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
        />
        <TypingIndicator typists={view.presence.typing} />
        <Composer onSend={view.send} onTyping={view.notifyTyping} disabled={view.closedReason !== null} />
      </main>
      <aside className="room-aside" aria-label="Room details">
        <OnlineMembers online={view.presence.online} me={me} />
        {canInvite && <AddMemberForm onAdd={addMember} />}
      </aside>
    </div>
  );
}
