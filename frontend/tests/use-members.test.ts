// The open room's member list: read once, then live from presence frames, and read again only
// when someone it does not know comes online or writes (they may have joined since).

import { act } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { useAppConnection } from "../lib/app-connection";
import { useMembers } from "../lib/use-members";
import { alice, bob, carol, fakeTimersInEachTest, flush, hello, renderWithConnection } from "./support";

fakeTimersInEachTest();

function setup() {
  const t = renderWithConnection(() => useMembers(1, useAppConnection()), {
    members: [
      { user: alice, online: true },
      { user: bob, online: false },
    ],
    hello: hello({ online: [] }),
  });
  const memberReads = () => t.requests.filter((r) => r === "GET /api/v1/rooms/1/members").length;
  const online = () => Object.fromEntries((t.value().members ?? []).map((m) => [m.user.username, m.online]));
  return { ...t, memberReads, online };
}

describe("useMembers", () => {
  it("follows who is online from presence frames, without reading the list again", async () => {
    const t = setup();
    await t.connect();
    expect(t.online()).toEqual({ alice: true, bob: false });
    t.receive({ type: "presence", event: "join", online: true, user: bob });
    expect(t.online()).toEqual({ alice: true, bob: true });
    t.receive({ type: "presence", event: "leave", online: false, user: bob });
    expect(t.online()).toEqual({ alice: true, bob: false });
    expect(t.memberReads()).toBe(1);
  });

  it("reads the list again when someone it does not know comes online, once", async () => {
    const t = setup();
    await t.connect();
    t.members.push({ user: carol, online: true });
    t.receive({ type: "presence", event: "join", online: true, user: carol });
    await flush();
    expect(t.memberReads()).toBe(2);
    expect(t.online()).toEqual({ alice: true, bob: false, carol: true });
  });

  it("reads the list again when someone it does not know writes, and drops or adds who the person removed or added", async () => {
    const t = setup();
    await t.connect();
    act(() => t.value().noteSender(bob)); // known: nothing to read
    expect(t.memberReads()).toBe(1);
    t.members.push({ user: carol, online: false });
    act(() => t.value().noteSender(carol));
    await flush();
    expect(t.memberReads()).toBe(2);
    expect(t.value().members?.map((m) => m.user.username)).toEqual(["alice", "bob", "carol"]);

    act(() => t.value().removed(bob.id));
    act(() => t.value().added({ user: { id: 8, username: "dave" }, online: false }));
    expect(t.value().members?.map((m) => m.user.username)).toEqual(["alice", "carol", "dave"]);
  });

  it("follows member_changed frames: someone joining reads the list again, someone leaving drops off", async () => {
    const t = setup();
    await t.connect();
    t.members.push({ user: carol, online: true });
    t.receive({ type: "member_changed", room_id: 1, user_id: carol.id, joined: true });
    await flush();
    expect(t.memberReads()).toBe(2);
    expect(t.value().members?.map((m) => m.user.username)).toEqual(["alice", "bob", "carol"]);
    t.receive({ type: "member_changed", room_id: 1, user_id: bob.id, joined: false });
    expect(t.value().members?.map((m) => m.user.username)).toEqual(["alice", "carol"]);
    t.receive({ type: "member_changed", room_id: 2, user_id: alice.id, joined: false }); // another room
    expect(t.value().members?.map((m) => m.user.username)).toEqual(["alice", "carol"]);
    expect(t.memberReads()).toBe(2);
  });
});
