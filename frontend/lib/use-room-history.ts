// One room's messages as React state: the message list reducer, the pages of history that fill
// it (the newest, around a message jumped to, older and newer ones), and the changes the
// person makes over HTTP (edit, delete, react). Live frames reach the list through `dispatch`;
// use-room-channel composes this with the app's socket and the outbox.

import { useCallback, useLayoutEffect, useReducer, useRef, type Dispatch } from "react";

import { LIMITS } from "./api-constants";
import type { ChatApi } from "./chat-api";
import {
  initialMessageListState,
  messageListReducer,
  type MessageListAction,
  type MessageListState,
} from "./message-list";

/** Messages loaded on each side of a message jumped to. */
const AROUND = 25;

export interface RoomHistoryOptions {
  /** Loading older or newer messages failed. */
  onError?: (error: unknown) => void;
}

export interface RoomHistory {
  list: MessageListState;
  dispatch: Dispatch<MessageListAction>;
  /** The latest list, for callbacks and frame handlers that outlive a render. */
  current(): MessageListState;
  /** Loads the newest page; resolves to its last message id (null: the room is empty).
   *  Nothing is applied once `live()` turns false. */
  loadLatest(live?: () => boolean): Promise<number | null>;
  /** Loads the messages around `focus`; resolves to the resume point, or null while newer
   *  ones remain to page. */
  loadAround(focus: number, live?: () => boolean): Promise<number | null>;
  loadOlder(): void;
  /** After a jump: the next page towards the newest message. */
  loadNewer(): void;
  /** After a jump: back to the newest messages. */
  jumpToLatest(): void;
  edit(messageId: number, body: string): Promise<void>;
  remove(messageId: number): Promise<void>;
  /** Adds (`on`) or takes back one of the person's reactions. */
  react(messageId: number, emoji: string, on: boolean): Promise<void>;
}

const always = () => true;

export function useRoomHistory(roomId: number, api: ChatApi, options: RoomHistoryOptions = {}): RoomHistory {
  const [list, dispatch] = useReducer(messageListReducer, initialMessageListState);
  const listRef = useRef(list);
  const optionsRef = useRef(options);

  // In a layout effect: the message list's own effects (they run before this component's) page
  // on as a page arrives ("Jump to first unread"), and must see the list as it now is.
  useLayoutEffect(() => {
    listRef.current = list;
    optionsRef.current = options;
  });

  const current = useCallback(() => listRef.current, []);
  const reportError = useCallback((error: unknown) => optionsRef.current.onError?.(error), []);

  const loadLatest = useCallback(
    async (live: () => boolean = always): Promise<number | null> => {
      const page = await api.messages.history(roomId, { limit: LIMITS.historyPage });
      if (live()) dispatch({ type: "pageLoaded", messages: page.messages, hasMore: page.has_more, position: "latest" });
      return page.messages.at(-1)?.id ?? null;
    },
    [api, roomId],
  );

  const loadAround = useCallback(
    async (focus: number, live: () => boolean = always): Promise<number | null> => {
      const [upTo, after] = await Promise.all([
        api.messages.history(roomId, { before: focus + 1, limit: AROUND }),
        api.messages.history(roomId, { after: focus, limit: AROUND }),
      ]);
      const messages = [...upTo.messages, ...after.messages];
      if (live()) dispatch({ type: "windowLoaded", messages, hasOlder: upTo.has_more, hasNewer: after.has_more });
      return after.has_more ? null : (messages.at(-1)?.id ?? 0);
    },
    [api, roomId],
  );

  const jumpToLatest = useCallback(() => {
    api.messages.history(roomId, { limit: LIMITS.historyPage }).then((page) => {
      dispatch({ type: "windowLoaded", messages: page.messages, hasOlder: page.has_more, hasNewer: false });
    }, reportError);
  }, [api, roomId, reportError]);

  const loadNewer = useCallback(() => {
    const { messages, loadingNewer, hasNewer } = listRef.current;
    const newest = messages.at(-1);
    if (loadingNewer || !hasNewer || !newest) return;
    dispatch({ type: "newerRequested" });
    api.messages.history(roomId, { after: newest.id, limit: LIMITS.historyPage }).then(
      (page) => dispatch({ type: "pageLoaded", messages: page.messages, hasMore: page.has_more, position: "newer" }),
      (error: unknown) => {
        dispatch({ type: "newerFailed" });
        reportError(error);
      },
    );
  }, [api, roomId, reportError]);

  const loadOlder = useCallback(() => {
    const { messages, loadingOlder, hasMore } = listRef.current;
    const oldest = messages[0];
    if (loadingOlder || !hasMore || !oldest) return;
    dispatch({ type: "olderRequested" });
    api.messages.history(roomId, { before: oldest.id, limit: LIMITS.historyPage }).then(
      (page) => dispatch({ type: "pageLoaded", messages: page.messages, hasMore: page.has_more, position: "older" }),
      (error: unknown) => {
        dispatch({ type: "olderFailed" });
        reportError(error);
      },
    );
  }, [api, roomId, reportError]);

  const edit = useCallback(
    async (messageId: number, body: string) => {
      const message = await api.messages.edit(messageId, body);
      dispatch({ type: "updated", message });
    },
    [api],
  );

  const remove = useCallback(
    async (messageId: number) => {
      await api.messages.remove(messageId);
      dispatch({ type: "deleted", messageId });
    },
    [api],
  );

  const react = useCallback(
    async (messageId: number, emoji: string, on: boolean) => {
      const message = on ? await api.messages.react(messageId, emoji) : await api.messages.unreact(messageId, emoji);
      dispatch({ type: "reactionsSet", message });
    },
    [api],
  );

  return { list, dispatch, current, loadLatest, loadAround, loadOlder, loadNewer, jumpToLatest, edit, remove, react };
}
