// React binding of one room's read marker: reads where the person had got to when the room
// opened (for the "New messages" divider), then moves the marker as messages are seen.

import { useCallback, useEffect, useRef, useState } from "react";

import { api as defaultApi } from "./api";
import type { ChatApi } from "./chat-api";
import { ReadMarker } from "./read-state";

export interface ReadMarkerView {
  /** The marker when the room opened, and how many messages were unread after it then;
   *  `known` is false until the server has said it. */
  opened: { known: boolean; lastReadId: number | null; unreadCount: number };
  /** A message is on screen. */
  seen(messageId: number): void;
  /** A `read` frame for this room: another tab (or this one) moved the marker. */
  noteServer(messageId: number): void;
}

const pageVisible = () => typeof document === "undefined" || document.visibilityState === "visible";

export function useReadMarker(roomId: number, api: ChatApi = defaultApi): ReadMarkerView {
  const [opened, setOpened] = useState<ReadMarkerView["opened"]>({ known: false, lastReadId: null, unreadCount: 0 });
  const markerRef = useRef<ReadMarker | null>(null);

  useEffect(() => {
    let cancelled = false;
    const marker = new ReadMarker({ send: (id) => api.rooms.markRead(roomId, id), isVisible: pageVisible });
    markerRef.current = marker;
    api.rooms.get(roomId).then(
      (room) => {
        if (cancelled) return;
        setOpened({ known: true, lastReadId: room.last_read_id, unreadCount: room.unread_count });
        marker.start(room.last_read_id);
      },
      () => {
        // Without the server's marker there is no divider, but reading still counts:
        // the server only ever moves a marker forward.
        if (!cancelled) marker.start(null);
      },
    );
    const onVisibility = () => {
      if (pageVisible()) marker.visible();
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      cancelled = true;
      document.removeEventListener("visibilitychange", onVisibility);
      marker.flush(); // leaving the room: what was seen counts
      marker.dispose();
      markerRef.current = null;
    };
  }, [api, roomId]);

  const seen = useCallback((messageId: number) => markerRef.current?.seen(messageId), []);
  const noteServer = useCallback((messageId: number) => markerRef.current?.noteServer(messageId), []);
  return { opened, seen, noteServer };
}
