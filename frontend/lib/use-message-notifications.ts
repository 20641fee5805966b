// Desktop notifications for new messages while the page is hidden, as each room's setting says
// (notifications.ts decides; the browser's permission is asked elsewhere, on a click). Clicking
// one focuses the window and opens the room at the message.

import { useEffect, useRef } from "react";

import type { AppConnection } from "./app-connection";
import {
  messageHref,
  notificationContent,
  pageHidden,
  playNotificationSound,
  shouldNotify,
  showNotification,
  soundEnabled,
} from "./notifications";

export function useMessageNotifications(
  connection: Pick<AppConnection, "subscribeAll">,
  open: (href: string) => void,
): void {
  const openRef = useRef(open);
  useEffect(() => {
    openRef.current = open;
  });
  const { subscribeAll } = connection;
  useEffect(
    () =>
      subscribeAll((frame, before) => {
        if (frame.type !== "message") return;
        const room = before.rooms?.find((r) => r.id === frame.message.room_id);
        if (!shouldNotify(frame, room, before.me, pageHidden()) || !room) return;
        const href = messageHref(frame.message);
        const shown = showNotification(notificationContent(frame.message, room), () => openRef.current(href));
        if (shown && soundEnabled()) playNotificationSound();
      }),
    [subscribeAll],
  );
}
