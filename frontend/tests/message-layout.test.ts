import { describe, expect, it } from "vitest";

import {
  avatarColor,
  continuesGroup,
  dayLabel,
  formatClock,
  initials,
  layoutOutbox,
  layoutRows,
  rovingTarget,
  type ListRow,
} from "../lib/message-layout";
import { alice, bob, message } from "./support";

/** A local time (the reader's zone) as ISO: day separators are local days. */
const at = (day: number, hour: number, minute = 0, second = 0) => new Date(2026, 2, day, hour, minute, second).toISOString();
const now = new Date(2026, 2, 10, 15, 0);

/** The rows as short strings: "day:Today", "3" (a new group), "4+" (a grouped line). */
const shape = (rows: ListRow[]) =>
  rows.map((row) => (row.kind === "day" ? `day:${row.label}` : `${row.message.id}${row.continuation ? "+" : ""}`));

describe("grouping", () => {
  it("groups one sender's messages within five minutes under one name", () => {
    const rows = layoutRows(
      [
        message(1, { sender: alice, created_at: at(10, 9, 0) }),
        message(2, { sender: alice, created_at: at(10, 9, 2) }),
        message(3, { sender: alice, created_at: at(10, 9, 7) }), // 5 min after the previous one: still
      ],
      now,
    );
    expect(shape(rows)).toEqual(["day:Today", "1", "2+", "3+"]);
  });

  it("starts a new group for another sender, a gap over five minutes, a new day or a deleted message", () => {
    const rows = layoutRows(
      [
        message(1, { sender: alice, created_at: at(9, 23, 58) }),
        message(2, { sender: alice, created_at: at(10, 0, 1) }), // 3 minutes, but the next day
        message(3, { sender: bob, created_at: at(10, 0, 2) }),
        message(4, { sender: alice, created_at: at(10, 0, 3) }),
        message(5, { sender: alice, created_at: at(10, 0, 8, 1) }), // 5 min 1 s
        message(6, { sender: alice, created_at: at(10, 0, 9), deleted: true }),
        message(7, { sender: alice, created_at: at(10, 0, 10) }),
      ],
      now,
    );
    expect(shape(rows)).toEqual(["day:Yesterday", "1", "day:Today", "2", "3", "4", "5", "6", "7"]);
  });

  it("breaks the group at the first unread message (below the New messages divider)", () => {
    const list = [1, 2, 3].map((id) => message(id, { sender: bob, created_at: at(10, 9, id) }));
    expect(shape(layoutRows(list, now, 2))).toEqual(["day:Today", "1", "2", "3+"]);
  });

  it("continuesGroup needs an earlier message of the same sender", () => {
    const a = { senderId: 1, createdAt: at(10, 9, 0) };
    expect(continuesGroup(undefined, a)).toBe(false);
    expect(continuesGroup(a, { senderId: 2, createdAt: at(10, 9, 1) })).toBe(false);
    expect(continuesGroup(a, { senderId: 1, createdAt: at(10, 9, 5) })).toBe(true);
    expect(continuesGroup(a, { senderId: 1, createdAt: at(10, 9, 5, 1) })).toBe(false);
  });

  it("groups own messages being sent with the last confirmed one, and puts in a day separator", () => {
    const last = message(9, { sender: alice, created_at: at(10, 9, 0) });
    const outbox = [{ createdAt: at(10, 9, 1) }, { createdAt: at(10, 9, 2) }];
    const rows = layoutOutbox(last, outbox, alice.id, now);
    expect(rows.map((r) => [r.continuation, r.newDay])).toEqual([
      [true, null],
      [true, null],
    ]);
    expect(layoutOutbox(message(9, { sender: bob, created_at: at(10, 9, 0) }), outbox, alice.id, now)[0]?.continuation).toBe(false);
    expect(layoutOutbox(undefined, outbox, alice.id, now).map((r) => r.newDay)).toEqual(["Today", null]);
    expect(layoutOutbox(message(9, { sender: alice, created_at: at(9, 9) }), outbox, alice.id, now)[0]).toMatchObject({
      continuation: false,
      newDay: "Today",
    });
  });
});

describe("day separators", () => {
  it("say Today, Yesterday, or the date (with its year when not this one)", () => {
    expect(dayLabel(at(10, 0, 0), now)).toBe("Today");
    expect(dayLabel(at(10, 23, 59), now)).toBe("Today");
    expect(dayLabel(at(9, 0, 0), now)).toBe("Yesterday");
    const older = dayLabel(at(3, 12), now);
    expect(older).not.toMatch(/Today|Yesterday|2026/);
    expect(older).toMatch(/3/);
    expect(dayLabel(new Date(2025, 11, 31, 12).toISOString(), now)).toMatch(/2025/);
    // Yesterday across a month boundary.
    expect(dayLabel(new Date(2026, 1, 28, 20).toISOString(), new Date(2026, 2, 1, 8))).toBe("Yesterday");
  });

  it("are one per day, above its first message", () => {
    const rows = layoutRows(
      [message(1, { created_at: at(8, 10) }), message(2, { created_at: at(8, 11) }), message(3, { created_at: at(10, 9) })],
      now,
    );
    expect(rows.filter((r) => r.kind === "day")).toHaveLength(2);
    expect(shape(rows)[0]).toMatch(/^day:/);
    expect(shape(rows).at(-2)).toBe("day:Today");
  });
});

describe("avatars", () => {
  it("show initials on a colour that depends only on the user id", () => {
    expect(initials("alice")).toBe("A");
    expect(initials("bob_smith")).toBe("BS");
    expect(initials("émile.zola")).toBe("ÉZ");
    expect(initials("__")).toBe("_");
    expect(initials("bob2_7msb")).toBe("B");
    expect(initials("alice1_b7z7")).toBe("A");
    expect(avatarColor(7)).toBe(avatarColor(7));
    expect(avatarColor(1)).not.toBe(avatarColor(2));
  });
});

describe("formatClock", () => {
  it("is short enough for the gutter: hours and minutes, no AM/PM", () => {
    expect(formatClock(at(10, 14, 5))).toMatch(/^\d{1,2}[:.]05$/);
    expect(formatClock("not a date")).toBe("");
  });
});

describe("rovingTarget", () => {
  it("moves up and down one message, stopping at the ends", () => {
    expect(rovingTarget("ArrowUp", 3, 5)).toBe(2);
    expect(rovingTarget("ArrowDown", 3, 5)).toBe(4);
    expect(rovingTarget("ArrowUp", 0, 5)).toBe(0);
    expect(rovingTarget("ArrowDown", 4, 5)).toBe(4);
  });

  it("goes to the first and last with Home and End; other keys are not moves", () => {
    expect(rovingTarget("Home", 3, 5)).toBe(0);
    expect(rovingTarget("End", 1, 5)).toBe(4);
    expect(rovingTarget("Enter", 1, 5)).toBeNull();
    expect(rovingTarget("ArrowDown", 0, 0)).toBeNull();
  });
});
