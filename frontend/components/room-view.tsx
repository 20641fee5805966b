import { useRouter } from "next/router";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";

import type { Message, NotifyLevel, Room, User } from "../lib/api-types";
import { useAppConnection } from "../lib/app-connection";
import { PREF_KEYS, readFlag, writeFlag } from "../lib/app-prefs";
import { notifyLevel } from "../lib/notifications";
import { unreadDivider } from "../lib/read-state";
import { useDraft } from "../lib/use-draft";
import { TOUCH_QUERY } from "../lib/use-media-query";
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

/** A room whose first page has not come by then shows an error with Retry instead of "Loading…". */
export const ROOM_LOAD_TIMEOUT_MS = 10_000;

/** The phone layout's breakpoint (styles/globals.css). */
const PHONE_QUERY = "(max-width: 760px)";

interface RoomViewProps {
  room: Room;
  me: User;
  /** Opens the direct room with someone. */
  onMessagePerson?(username: string): Promise<void>;
  /** Leaves the room (the page then shows another). */
  onLeave(room: Room): Promise<void>;
  /** Open around this message (a search result) instead of at the newest. */
  focusMessageId?: number | null;
  /** Opens this room at a message that is not loaded (the original of a reply). */
  onOpenMessage?(messageId: number): void;
  /** Something the page has to say above the room (why the previous room went away). */
  notice?: string | null;
  /** Move the focus to the room's title once shown. */
  focusTitle?: boolean;
  onTitleFocused?(): void;
  /** Loads the room again from scratch (after it could not be loaded). */
  onRetryLoad?(): void;
}

/** One open room. Mount with key={room.id}: a new room starts from fresh state. */
export function RoomView({
  room,
  me,
  onMessagePerson,
  onLeave,
  focusMessageId = null,
  onOpenMessage,
  notice = null,
  focusTitle = false,
  onTitleFocused,
  onRetryLoad,
}: RoomViewProps) {
  const connection = useAppConnection();
  const { api, dispatch: dispatchApp } = connection;
  const marker = useReadMarker(room.id, api);
  const members = useMembers(room.id, connection);
  // Someone the member list does not know wrote or typed: they joined since it was read.
  const view = useRoomChannel(room.id, { focusMessageId, onRead: marker.noteServer, onActive: members.noteSender });
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [membersOpen, setMembersOpen] = useState(() =>
    // Open by default beside the room; on a phone it would push the room down, so closed.
    readFlag(PREF_KEYS.membersOpen, !(typeof window !== "undefined" && window.matchMedia?.(PHONE_QUERY).matches)),
  );
  const toggleMembers = useCallback(() => {
    setMembersOpen((open) => {
      writeFlag(PREF_KEYS.membersOpen, !open);
      return !open;
    });
  }, []);
  const draft = useDraft(room.id, api);
  const { startReply, cancelReply, addFiles, removeFile, retryFile, takeForSend } = draft;
  /** The message shown highlighted: the one the room opened at, then the originals of replies
   *  jumped to (`key` changes to bring the same one into view again). */
  const [jump, setJump] = useState<{ id: number; key: number } | null>(focusMessageId !== null ? { id: focusMessageId, key: 0 } : null);
  const [focusRequest, setFocusRequest] = useState(0);
  /** Up in the empty composer asked to edit this message (`seq` tells one request from the next). */
  const [editRequest, setEditRequest] = useState<{ messageId: number; seq: number } | null>(null);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const listRef = useRef(view.list);
  useEffect(() => {
    listRef.current = view.list;
  });

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

  const setNotify = useCallback(
    async (level: NotifyLevel) => {
      const was = notifyLevel(room);
      dispatchApp({ type: "notifySet", roomId: room.id, level });
      try {
        const answer = await api.rooms.setNotify(room.id, level);
        dispatchApp({ type: "notifySet", roomId: room.id, level: answer.notify ?? level });
      } catch (error) {
        dispatchApp({ type: "notifySet", roomId: room.id, level: was });
        throw error;
      }
    },
    [api, room, dispatchApp],
  );

  const { send: sendMessage } = view;
  const send = useCallback((body: string) => sendMessage(body, takeForSend()), [sendMessage, takeForSend]);

  const reply = useCallback(
    (message: Message) => {
      startReply(message);
      setFocusRequest((n) => n + 1);
    },
    [startReply],
  );

  /** The original of a reply: brought into view when loaded, else the room opens at it. */
  const openOriginal = useCallback(
    (messageId: number) => {
      if (listRef.current.messages.some((m) => m.id === messageId)) {
        setJump((held) => ({ id: messageId, key: (held?.key ?? 0) + 1 }));
      } else {
        onOpenMessage?.(messageId);
      }
    },
    [onOpenMessage],
  );

  // Never "Loading…" forever: a first page that failed, or has not come in time, is an error
  // with a way to try again (a reconnect also loads it again, and clears this).
  const [timedOut, setTimedOut] = useState(false);
  const loaded = view.list.loaded;
  const closedNow = view.closedReason !== null;
  useEffect(() => {
    if (loaded || closedNow) return;
    const timer = setTimeout(() => setTimedOut(true), ROOM_LOAD_TIMEOUT_MS);
    return () => clearTimeout(timer);
  }, [loaded, closedNow]);
  const loadFailed = !loaded && !closedNow && (timedOut || view.notice !== null);

  /** Up in the empty composer: the person's newest message, in its edit form. */
  const editLast = useCallback(() => {
    const own = [...listRef.current.messages].reverse().find((m) => m.sender.id === me.id && !m.deleted);
    if (!own) return false;
    setEditRequest((held) => ({ messageId: own.id, seq: (held?.seq ?? 0) + 1 }));
    return true;
  }, [me.id]);
  /** That edit is over: back to writing. */
  const editRequestDone = useCallback(() => setFocusRequest((n) => n + 1), []);

  // Opened at a message (?message=, a search result or a reply's original), the list is a window
  // far back; once it reaches the newest again (Jump to the newest, paging down, or a send),
  // ?message= leaves the URL, so that a reload or a shared link opens at the newest. The
  // router's `as` alone changes: the page keeps its query, so this view (keyed by it) is not
  // mounted again, and the draft, the outbox and the scroll position stay.
  const router = useRouter();
  const [wasWindow, setWasWindow] = useState(false);
  const isWindow = view.list.hasNewer;
  if (isWindow && !wasWindow) setWasWindow(true);
  const backAtNewest = wasWindow && !isWindow && focusMessageId !== null;
  const urlCleared = useRef(false);
  useEffect(() => {
    if (!backAtNewest || urlCleared.current || !router.query.message) return;
    urlCleared.current = true; // once: the query keeps ?message= (see above), the address bar does not
    const query = { ...router.query };
    delete query.message;
    const as = { pathname: router.pathname, query };
    router.replace({ pathname: router.pathname, query: router.query }, as, { shallow: true, scroll: false }).catch(() => undefined);
  }, [backAtNewest, router]);

  const { jumpToLatest: loadLatestWindow } = view;
  const jumpToLatest = useCallback(() => {
    setJump(null); // the message jumped to is no longer what the view is about
    loadLatestWindow();
  }, [loadLatestWindow]);

  // Opening a room puts the focus in the composer, except when the page opens at a message
  // (a search result, a reply's original) or says why the previous room went away; and not
  // on touch screens, where it would pop the keyboard up over the room.
  const [focusComposer] = useState(
    () => focusMessageId === null && !focusTitle && !(typeof window !== "undefined" && window.matchMedia?.(TOUCH_QUERY).matches),
  );

  const people = useMemo(() => members.members?.map((m) => m.user) ?? [], [members.members]);
  const closed = view.closedReason !== null;

  // Files dragged over the room can be dropped anywhere on it.
  const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes("Files");
  const dropHandlers = closed
    ? {}
    : {
        onDragEnter: (event: DragEvent) => {
          if (!carriesFiles(event)) return;
          dragDepth.current += 1;
          setDragging(true);
        },
        onDragOver: (event: DragEvent) => {
          if (!carriesFiles(event)) return;
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
        },
        onDragLeave: (event: DragEvent) => {
          if (!carriesFiles(event)) return;
          dragDepth.current = Math.max(0, dragDepth.current - 1);
          if (dragDepth.current === 0) setDragging(false);
        },
        onDrop: (event: DragEvent) => {
          if (!carriesFiles(event)) return;
          event.preventDefault();
          dragDepth.current = 0;
          setDragging(false);
          const files = Array.from(event.dataTransfer.files);
          if (files.length > 0) addFiles(files);
        },
      };

  // The divider marks what was unread when the room opened: up to the newest message then.
  const [ceiling, setCeiling] = useState<number | null>(null);
  const newest = view.list.messages.at(-1)?.id ?? 0;
  const ready = view.list.loaded && marker.opened.known;
  // Set once, during render (React's pattern for state derived from an earlier render).
  if (ready && ceiling === null) setCeiling(newest);
  const divider = unreadDivider(view.list, marker.opened, me.id, ceiling);

  return (
    <div className="room" data-members-open={membersOpen}>
      <main className="room-main" aria-labelledby="room-title" {...dropHandlers}>
        {dragging && (
          <div className="drop-overlay" aria-hidden="true">
            Drop files to send them in {room.is_direct ? room.name : `#${room.name}`}
          </div>
        )}
        <RoomHeader
          room={room}
          memberCount={members.members?.length ?? room.member_count}
          status={view.status}
          canEdit={canEdit}
          settingsOpen={settingsOpen}
          onToggleSettings={() => setSettingsOpen((open) => !open)}
          onLeave={() => onLeave(room)}
          notify={notifyLevel(room)}
          onNotifyChange={setNotify}
          focusTitle={focusTitle}
          onTitleFocused={onTitleFocused}
          membersOpen={membersOpen}
          onToggleMembers={toggleMembers}
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
        {view.notice && !view.closedReason && !loadFailed && (
          <p className="banner" role="status">
            {view.notice}
          </p>
        )}
        {loadFailed ? (
          <div className="room-load-error" role="alert">
            <p>
              <strong>This room could not be loaded.</strong>{" "}
              {view.notice ?? "The server is taking too long to answer."}
            </p>
            <button type="button" className="button-primary" onClick={onRetryLoad ?? (() => window.location.reload())}>
              Retry
            </button>
          </div>
        ) : (
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
            dividerId={divider?.messageId ?? null}
            unreadCount={divider?.count ?? 0}
            editRequest={editRequest}
            onEditRequestDone={editRequestDone}
            highlightId={jump?.id ?? null}
            highlightKey={jump?.key ?? 0}
            onLoadNewer={view.loadNewer}
            onJumpToLatest={jumpToLatest}
            onReply={closed ? undefined : reply}
            onOpenOriginal={openOriginal}
            onFileError={view.refreshFiles}
          />
        )}
        <TypingIndicator typists={view.typing} />
        <Composer
          onSend={send}
          onTyping={view.notifyTyping}
          disabled={closed}
          members={people}
          meId={me.id}
          reply={draft.state.replyTo}
          onCancelReply={cancelReply}
          uploads={draft.state.uploads}
          uploadNotice={draft.state.notice}
          onAttach={addFiles}
          onRemoveUpload={removeFile}
          onRetryUpload={retryFile}
          focusRequest={focusRequest}
          autoFocus={focusComposer}
          inputId="composer"
          onEditLast={closed ? undefined : editLast}
        />
      </main>
      <aside className="room-aside" id="room-aside" aria-label="Room details" hidden={!membersOpen}>
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
