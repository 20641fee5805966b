// Desktop notifications: which messages notify (a pure decision from the room's setting), what
// a notification says (sender, room, a plain-text preview), the browser's permission (asked only
// when the person clicks), and an optional short sound made with WebAudio (nothing fetched).

import type { Message, NotifyLevel, Room, ServerFrame, UserPublic } from "./api-types";
import { mentionsMe } from "./mentions";

export type { NotifyLevel };

export const NOTIFY_LEVELS: readonly { level: NotifyLevel; label: string }[] = [
  { level: "all", label: "All messages" },
  { level: "mentions", label: "Mentions only" },
  { level: "muted", label: "Muted" },
];

/** A room's setting: the server's, or its default when not said (direct rooms: every message). */
export function notifyLevel(room: Pick<Room, "notify" | "is_direct">): NotifyLevel {
  return room.notify ?? (room.is_direct ? "all" : "mentions");
}

/**
 * Whether this frame deserves a desktop notification: a new message by someone else, in one of
 * the person's rooms, while the page is hidden, as the room's setting says ("all": every one,
 * "mentions": those that name the person or reach everyone, "muted": none). A message already
 * counted (a copy, a replay) or already read on another device does not notify again.
 */
export function shouldNotify(
  frame: ServerFrame,
  room: Room | null | undefined,
  me: Pick<UserPublic, "id"> | null | undefined,
  hidden: boolean,
): boolean {
  if (frame.type !== "message" || !hidden || !room || !me) return false;
  const message = frame.message;
  if (message.room_id !== room.id || message.deleted || message.sender.id === me.id) return false;
  if (message.id <= (room.last_message_id ?? 0) || message.id <= (room.last_read_id ?? 0)) return false;
  switch (notifyLevel(room)) {
    case "all":
      return true;
    case "mentions":
      return mentionsMe(message, me.id);
    case "muted":
      return false;
  }
}

export const PREVIEW_LENGTH = 120;

/**
 * Markdown as plain text, roughly: code fences, emphasis marks, quote and list markers, links
 * reduced to their text, whitespace collapsed; then at most `max` characters (an ellipsis when
 * cut).
 */
export function plainPreview(body: string, max: number = PREVIEW_LENGTH): string {
  const text = body
    .replace(/^\s{0,3}(```|~~~).*$/gm, "") // fence lines
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // [text](url), ![alt](src)
    .replace(/^\s{0,3}(?:>\s?)+/gm, "") // quotes
    .replace(/^\s{0,3}(?:[-+*]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/gm, "") // list items, task boxes
    .replace(/^\s{0,3}#{1,6}\s+/gm, "") // headings
    .replace(/(\*\*|__|~~)(.+?)\1/g, "$2")
    .replace(/(^|[^\w*])[*_]([^*_\s][^*_]*?)[*_](?=[^\w*]|$)/g, "$1$2")
    .replace(/`+([^`]*)`+/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join("").trimEnd()}…` : text;
}

export interface NotificationContent {
  title: string;
  body: string;
  /** One notification per message, however many tabs show it. */
  tag: string;
}

/** "bob in #general" / "bob (direct message)", and the first 120 characters of the text. */
export function notificationContent(message: Message, room: Pick<Room, "name" | "is_direct">): NotificationContent {
  const where = room.is_direct ? "(direct message)" : `in #${room.name}`;
  const files = message.attachments.length;
  const preview = plainPreview(message.body) || (files > 0 ? `${files} file${files === 1 ? "" : "s"}` : "");
  return { title: `${message.sender.username} ${where}`, body: preview, tag: `chat-message-${message.id}` };
}

/** Where a notification's click goes: the room, open at the message. */
export function messageHref(message: Pick<Message, "id" | "room_id">): string {
  return `/chat/?room=${message.room_id}&message=${message.id}`;
}

// ---- the browser's side -----------------------------------------------------------------------

export type NotificationPermissionState = NotificationPermission | "unsupported";

export function notificationPermission(): NotificationPermissionState {
  if (typeof window === "undefined" || typeof window.Notification === "undefined") return "unsupported";
  return window.Notification.permission;
}

/** Asks the browser (call it from a click: browsers refuse to ask otherwise). */
export async function requestNotificationPermission(): Promise<NotificationPermissionState> {
  if (notificationPermission() === "unsupported") return "unsupported";
  try {
    return await window.Notification.requestPermission();
  } catch {
    return notificationPermission();
  }
}

export function pageHidden(): boolean {
  return typeof document !== "undefined" && document.visibilityState === "hidden";
}

/** Shows a notification; `onOpen` runs when it is clicked (after the window takes the focus). */
export function showNotification(content: NotificationContent, onOpen: () => void): Notification | null {
  if (notificationPermission() !== "granted") return null;
  try {
    const notification = new window.Notification(content.title, { body: content.body, tag: content.tag });
    notification.onclick = () => {
      window.focus();
      onOpen();
      notification.close();
    };
    return notification;
  } catch {
    return null; // e.g. Android Chrome, where only a service worker may show them
  }
}

// ---- sound ----------------------------------------------------------------------------------

export const SOUND_KEY = "chat.notification_sound";

export function soundEnabled(): boolean {
  try {
    return localStorage.getItem(SOUND_KEY) === "on";
  } catch {
    return false;
  }
}

export function setSoundEnabled(on: boolean): void {
  try {
    if (on) localStorage.setItem(SOUND_KEY, "on");
    else localStorage.removeItem(SOUND_KEY);
  } catch {
    // Storage full or refused: the setting lasts for this page only.
  }
}

type AudioContextClass = typeof AudioContext;
let audio: AudioContext | null = null;

/** Two short soft tones (about a quarter of a second), made on the spot. */
export function playNotificationSound(): void {
  const Context: AudioContextClass | undefined =
    typeof window === "undefined"
      ? undefined
      : (window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioContextClass }).webkitAudioContext);
  if (!Context) return;
  try {
    audio ??= new Context();
    const ctx = audio;
    const start = ctx.currentTime + 0.01;
    for (const [offset, frequency] of [
      [0, 880],
      [0.12, 1320],
    ] as const) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.15, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.14);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.15);
    }
  } catch {
    // No audio (autoplay policy, no device): the notification alone will do.
  }
}
