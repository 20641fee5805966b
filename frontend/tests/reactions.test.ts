import { describe, expect, it } from "vitest";

import { applyReactionChange, keepMyFlags, reactionLabel, sameReactions } from "../lib/reactions";
import { alice, bob } from "./support";

describe("reactions", () => {
  const held = [
    { emoji: "👍", count: 2, me: true },
    { emoji: "🎉", count: 1, me: false },
  ];

  it("keeps the person's own flags over a broadcast's counts", () => {
    expect(keepMyFlags(held, [{ emoji: "👍", count: 3, me: false }, { emoji: "😂", count: 1, me: false }])).toEqual([
      { emoji: "👍", count: 3, me: true },
      { emoji: "😂", count: 1, me: false },
    ]);
  });

  it("sets the own flag of the emoji the person just changed, on any of their devices", () => {
    const change = { reactions: [{ emoji: "👍", count: 2, me: false }, { emoji: "🎉", count: 2, me: false }], emoji: "🎉", added: true };
    expect(applyReactionChange(held, { ...change, user: alice }, alice.id)).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: "🎉", count: 2, me: true },
    ]);
    expect(applyReactionChange(held, { ...change, user: bob }, alice.id)[1]).toEqual({ emoji: "🎉", count: 2, me: false });
  });

  it("compares lists and labels chips for screen readers", () => {
    expect(sameReactions(held, held.map((r) => ({ ...r })))).toBe(true);
    expect(sameReactions(held, held.slice(1))).toBe(false);
    expect(reactionLabel({ emoji: "👍", count: 1, me: true })).toBe("👍 1 person, including you");
    expect(reactionLabel({ emoji: "👍", count: 3, me: false })).toBe("👍 3 people");
  });
});
