import { useCallback, useState } from "react";

import type { Room, User } from "../lib/api-types";
import { useAppConnection } from "../lib/app-connection";
import { firstUnreadId } from "../lib/read-state";
import { useMembers } from "../lib/use-members";
import { useReadMarker } from "../lib/use-read-marker";
import { useRoomChannel } from "../lib/use-room-channel";
import { AddMemberForm } from "./add-member-form";
import { Composer } from "./composer";
import { MemberList } from "./member-list";
import { MessageList } from "./message-list";
import { RoomHeader } from "./room-header";
import { RoomSettingsForm } from "./room-settings-form";
import { TypingIndicator } from "./typing-indicator";

interface RoomViewProps {
  room: Room;
  me: User;
  /** Opens the direct room with someone. */
  onMessagePerson?(username: string): Promise<void>;
  /** Leaves the room (the page then shows another). */
  onLeave(room: Room): Promise<void>;
  /** Open around this message (a search result) instead of at the newest. */
  focusMessageId?: number | null;
  /** Something the page has to say above the room (why the previous room went away). */
  notice?: string | null;
  /** Move the focus to the room's title once shown. */
  focusTitle?: boolean;
  onTitleFocused?(): void;
}

/** One open room. Mount with key={room.id}: a new room starts from fresh state. */
export function RoomView({
  room,
  me,
  onMessagePerson,
  onLeave,
  focusMessageId = null,
  notice = null,
  focusTitle = false,
  onTitleFocused,
}: RoomViewProps) {
  const connection = useAppConnection();
  const { api, dispatch: dispatchApp } = connection;
  const marker = useReadMarker(room.id, api);
  const members = useMembers(room.id, connection);
  // Someone the member list does not know wrote or typed: they joined since it was read.
  const view = useRoomChannel(room.id, { focusMessageId, onRead: marker.noteServer, onActive: members.noteSender });
  const [settingsOpen, setSettingsOpen] = useState(false);

  const manager = room.owner_id === me.id || me.role === "admin";
  const canEdit = manager && !room.is_direct;
  const canInvite = room.is_private && !room.is_direct && manager;
  const canRemove = manager && !room.is_direct;

  const addMember = useCallback(
    async (username: string) => {
      members.added(await api.rooms.addMember(room.id, username));
    },
    [api, room.id, members],
  );
  const removeMember = useCallback(
    async (user: { id: number }) => {
      await api.rooms.removeMember(room.id, user.id);
      members.removed(user.id);
    },
    [api, room.id, members],
  );
  const saveSettings = useCallback(
    async (changes: { name?: string; topic?: string | null }) => {
      dispatchApp({ type: "roomChanged", room: await api.rooms.update(room.id, changes) });
    },
    [api, room.id, dispatchApp],
  );

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
        <RoomHeader
          room={room}
          memberCount={members.members?.length ?? room.member_count}
          status={view.status}
          canEdit={canEdit}
          settingsOpen={settingsOpen}
          onToggleSettings={() => setSettingsOpen((open) => !open)}
          onLeave={() => onLeave(room)}
          focusTitle={focusTitle}
          onTitleFocused={onTitleFocused}
        />
        {settingsOpen && canEdit && (
          <div id="room-settings" className="room-settings-panel">
            <RoomSettingsForm room={room} onSave={saveSettings} onClose={() => setSettingsOpen(false)} />
          </div>
        )}
        {notice && (
          <p className="banner" role="status">
            {notice}
          </p>
        )}
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
        <TypingIndicator typists={view.typing} />
        <Composer onSend={view.send} onTyping={view.notifyTyping} disabled={view.closedReason !== null} />
      </main>
      <aside className="room-aside" aria-label="Room details">
        <MemberList
          members={members.members}
          me={me}
          ownerId={room.owner_id}
          error={members.error}
          onMessage={room.is_direct ? undefined : onMessagePerson}
          onRemove={canRemove ? removeMember : undefined}
        />
        {canInvite && <AddMemberForm onAdd={addMember} />}
      </aside>
    </div>
  );
}
