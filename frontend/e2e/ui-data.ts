// The data the whole-UI checks look at (a11y.spec.ts, screenshots.spec.ts): a small workspace
// made over the REST API, the same way every run, so that the pages show a realistic
// conversation (Markdown, a code block, reactions, a reply, a mention, emoji and CJK text), rooms
// with unread messages and a mention, and a direct conversation.

import type { APIRequestContext } from "@playwright/test";

import { apiSignUp, expect } from "./fixtures";

export interface Actor {
  username: string;
  token: string;
}

/** One REST call as `actor`; anything but a 2xx fails the test with the server's answer. */
export async function call<T = unknown>(
  request: APIRequestContext,
  actor: Actor,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  data?: unknown,
): Promise<T> {
  const res = await request.fetch(`/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${actor.token}` },
    data,
  });
  expect(res.ok(), `${method} ${path} answered ${res.status()}: ${await res.text()}`).toBe(true);
  return (res.status() === 204 ? undefined : await res.json()) as T;
}

export async function signUpActor(request: APIRequestContext, username: string): Promise<Actor> {
  return { username, token: await apiSignUp(request, username) };
}

interface RoomRef {
  id: number;
  name: string;
}
interface MessageRef {
  id: number;
}

export const send = (request: APIRequestContext, actor: Actor, roomId: number, body: string, replyTo?: number) =>
  call<MessageRef>(request, actor, "POST", `/rooms/${roomId}/messages`, replyTo ? { body, reply_to: replyTo } : { body });

export const react = (request: APIRequestContext, actor: Actor, messageId: number, emoji: string) =>
  call(request, actor, "POST", `/messages/${messageId}/reactions`, { emoji });

/** Who is who, and what the rooms are called (unique names per run for tests sharing a backend). */
export interface WorkspaceNames {
  viewer: string;
  friend: string;
  colleague: string;
  /** Suffix for the room names ("" for a backend of one's own). */
  suffix: string;
}

export interface Workspace {
  viewer: Actor;
  friend: Actor;
  colleague: Actor;
  /** The room the pages open on: the realistic conversation. */
  review: RoomRef;
  /** A room with unread messages, and one with an unread mention of the viewer. */
  random: RoomRef;
  release: RoomRef;
  /** The direct room of the viewer and `friend`. */
  direct: RoomRef;
}

export const CONVERSATION = {
  opening: "Morning! The new **message list** is ready for review 🎉",
  checklist: "What changed:\n- dense groups of messages\n- day separators\n- *keyboard* navigation, see `rovingTarget`",
  code: "One nit in the scroll code:\n```ts\nconst next = prev.scrollTop + (el.scrollHeight - prev.scrollHeight);\nel.scrollTop = next;\n```",
  reply: "Good catch, I will keep that as it is.",
  cjk: "東京チームも確認しました。ありがとう！ 👍",
  quote: "> Ship it on Friday?\n\nYes, let's ship it 🚀",
};

/**
 * The viewer, a friend and a colleague; the review room (the viewer's, the others joined, the
 * conversation in it), two more rooms whose news the viewer has not read, and a direct room.
 * The viewer has an access token (one session) for the calls made as them.
 */
export async function seedWorkspace(request: APIRequestContext, names: WorkspaceNames): Promise<Workspace> {
  const viewer = await signUpActor(request, names.viewer);
  const friend = await signUpActor(request, names.friend);
  const colleague = await signUpActor(request, names.colleague);

  const createRoom = async (owner: Actor, name: string, members: Actor[]): Promise<RoomRef> => {
    const room = await call<RoomRef>(request, owner, "POST", "/rooms", { name: `${name}${names.suffix}`, is_private: false });
    for (const member of members) await call(request, member, "POST", `/rooms/${room.id}/join`);
    return room;
  };

  const review = await createRoom(viewer, "design-review", [colleague, friend]);
  // Joined before the news: a member starts with everything before them read.
  const random = await createRoom(colleague, "random", [viewer, friend]);
  const release = await createRoom(friend, "release", [viewer]);

  const opening = await send(request, colleague, review.id, CONVERSATION.opening);
  await send(request, colleague, review.id, CONVERSATION.checklist);
  const code = await send(request, friend, review.id, CONVERSATION.code);
  await send(request, viewer, review.id, CONVERSATION.reply, code.id);
  const cjk = await send(request, friend, review.id, CONVERSATION.cjk);
  await send(request, colleague, review.id, `${CONVERSATION.quote} @${viewer.username}`);
  await react(request, friend, opening.id, "👍");
  await react(request, viewer, opening.id, "👍");
  await react(request, friend, opening.id, "🎉");
  await react(request, viewer, cjk.id, "❤️");

  await send(request, colleague, random.id, "Lunch at 12:30?");
  await send(request, friend, random.id, "Count me in 🍜");
  await send(request, colleague, random.id, "Table for three, then.");
  await send(request, friend, release.id, `@${viewer.username} the release notes are due tomorrow.`);

  const direct = await call<RoomRef>(request, viewer, "POST", "/dm", { username: friend.username });
  await send(request, friend, direct.id, "Hi! Do you have a minute for the **migration** plan?");
  await send(request, viewer, direct.id, "Sure, after the standup.");
  await send(request, friend, direct.id, "Great, thanks 🙏");

  return { viewer, friend, colleague, review, random, release, direct };
}
