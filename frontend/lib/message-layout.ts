// How the message list is laid out: dense groups of one sender's messages, day separators
// between days, initials avatars on a colour of their own, and the list's roving focus.
// Pure functions (dates are read in the reader's time zone).

import type { Message } from "./api-types";

/** Messages of one sender this close together (ms) share one name and avatar. */
export const GROUP_GAP_MS = 5 * 60 * 1000;

/** What grouping needs of a message (confirmed or still being sent). */
export interface GroupingInfo {
  senderId: number;
  createdAt: string;
}

const time = (iso: string) => new Date(iso).getTime();

/** Local calendar day of a timestamp ("2026-1-31"): the key of a day separator. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** Whether `next` continues the group of `prev`: same sender, same day, at most 5 min later. */
export function continuesGroup(prev: GroupingInfo | undefined, next: GroupingInfo): boolean {
  if (!prev || prev.senderId !== next.senderId) return false;
  if (dayKey(prev.createdAt) !== dayKey(next.createdAt)) return false;
  const gap = time(next.createdAt) - time(prev.createdAt);
  return Number.isFinite(gap) && gap >= 0 && gap <= GROUP_GAP_MS;
}

const weekdayDate = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const fullDate = new Intl.DateTimeFormat(undefined, { weekday: "long", year: "numeric", month: "long", day: "numeric" });

/** A day separator's words: "Today", "Yesterday", or the date (with the year if not this one). */
export function dayLabel(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const key = dayKey(iso);
  if (key === dayKey(now.toISOString())) return "Today";
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1, 12);
  if (key === dayKey(yesterday.toISOString())) return "Yesterday";
  return (date.getFullYear() === now.getFullYear() ? weekdayDate : fullDate).format(date);
}

export type ListRow =
  | { kind: "day"; key: string; label: string }
  | { kind: "message"; key: string; message: Message; continuation: boolean };

/**
 * The rows of the confirmed messages: a day separator before each new day and, per message,
 * whether it continues the previous one's group. `breakBefore`: a message that starts a new
 * group whatever (the first unread one, below the "New messages" divider).
 */
export function layoutRows(messages: readonly Message[], now: Date = new Date(), breakBefore: number | null = null): ListRow[] {
  const rows: ListRow[] = [];
  let prev: (GroupingInfo & { deleted: boolean }) | undefined;
  let day: string | null = null;
  for (const message of messages) {
    const info = { senderId: message.sender.id, createdAt: message.created_at };
    const key = dayKey(message.created_at);
    if (key !== day) {
      rows.push({ kind: "day", key: `day:${key}`, label: dayLabel(message.created_at, now) });
      day = key;
    }
    const continuation = message.id !== breakBefore && !message.deleted && !prev?.deleted && continuesGroup(prev, info);
    rows.push({ kind: "message", key: `m:${message.id}`, message, continuation });
    prev = { ...info, deleted: message.deleted };
  }
  return rows;
}

export interface OutboxRow<T> {
  item: T;
  continuation: boolean;
  /** A day separator's words when this one starts a new day, else null. */
  newDay: string | null;
}

/** Rows of own messages still being sent, after the last confirmed one (`last`). */
export function layoutOutbox<T extends { createdAt: string }>(
  last: Message | undefined,
  outbox: readonly T[],
  myId: number,
  now: Date = new Date(),
): OutboxRow<T>[] {
  const rows: OutboxRow<T>[] = [];
  let prev: GroupingInfo | undefined = last && !last.deleted ? { senderId: last.sender.id, createdAt: last.created_at } : undefined;
  let day = last ? dayKey(last.created_at) : null;
  for (const item of outbox) {
    const info = { senderId: myId, createdAt: item.createdAt };
    const key = dayKey(item.createdAt);
    const newDay = key !== day ? dayLabel(item.createdAt, now) : null;
    rows.push({ item, continuation: newDay === null && continuesGroup(prev, info), newDay });
    day = key;
    prev = info;
  }
  return rows;
}

/** One or two letters for an avatar: "alice" → "A", "bob_smith" → "BS". */
export function initials(username: string): string {
  const parts = username.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const first = parts[0] ?? username;
  // Two letters for names of words ("bob_smith"), one otherwise ("alice1_b7z7" is not "AB").
  const words = parts.length > 1 && parts.every((part) => /^\p{L}+$/u.test(part));
  const second = words ? [...(parts.at(-1) ?? "")][0] : undefined;
  const letters = [...first].slice(0, 1).concat(second ? [second] : []);
  return letters.join("").toUpperCase() || "?";
}

/** A stable colour per user (hues spread by the golden angle), dark enough for white text. */
export function avatarColor(userId: number): string {
  const hue = Math.round((Math.abs(userId) * 137.508) % 360);
  return `hsl(${hue} 55% 38%)`;
}

/** Where a key moves the roving focus among `count` items from `current`; null: not a move. */
export function rovingTarget(key: string, current: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case "ArrowUp":
      return Math.max(0, current - 1);
    case "ArrowDown":
      return Math.min(count - 1, current + 1);
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}

const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

/** The time alone and short ("14:05", "2:05" without AM/PM), for a grouped line's narrow gutter
 *  (its day is in the separator above, the full time in its tooltip). */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return clock
    .formatToParts(date)
    .filter((part) => part.type !== "dayPeriod")
    .map((part) => part.value)
    .join("")
    .trim();
}
