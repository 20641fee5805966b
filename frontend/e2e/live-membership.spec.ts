// Rooms come and go in the list while it is open, through the app's one socket (`/ws`), with no
// reload and no polling: a direct conversation started by someone who shares no room with the
// reader, a private room someone adds them to, and a removal from it.

import { mkdirSync } from "node:fs";
import path from "node:path";

import type { APIRequestContext, Page } from "@playwright/test";

import { apiSignUp, apiToken, composer, expect, logIn, messages, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function connected(page: Page): Promise<void> {
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
}

async function generalRoomId(request: APIRequestContext, token: string): Promise<number> {
  const res = await request.get("/api/v1/rooms", { headers: bearer(token) });
  expect(res.status()).toBe(200);
  const general = ((await res.json()) as { id: number; name: string }[]).find((r) => r.name === "general");
  expect(general).toBeDefined();
  return general?.id ?? -1;
}

test("a direct message from a stranger, a private room one is added to and a removal show live in the room list", async ({
  page,
  browser,
  request,
}) => {
  // Every WebSocket the page opens, from the start.
  const sockets: string[] = [];
  page.on("websocket", (ws) => sockets.push(new URL(ws.url()).pathname));
  const aliceName = uniqueName("alice");
  await signUp(page, aliceName);
  await connected(page);
  const aliceToken = await apiToken(request, aliceName);
  const aliceId = ((await (await request.get("/api/v1/users/me", { headers: bearer(aliceToken) })).json()) as { id: number }).id;
  // Set once: still there at the end means the page was never reloaded.
  await page.evaluate(() => {
    (window as unknown as { __sameDocument?: boolean }).__sameDocument = true;
  });
  const sidebar = page.getByRole("navigation", { name: "Rooms" });
  await expect(page).toHaveTitle(/^general · Chat$/);

  // Bob shares no room with Alice: every new user is put in `general`, so he leaves it.
  const bobName = uniqueName("bob");
  const bobToken = await apiSignUp(request, bobName);
  const general = await generalRoomId(request, bobToken);
  expect((await request.post(`/api/v1/rooms/${general}/leave`, { headers: bearer(bobToken) })).status()).toBe(204);
  const shared = await request.get(`/api/v1/rooms/${general}/members`, { headers: bearer(aliceToken) });
  expect(((await shared.json()) as { user: { username: string } }[]).map((m) => m.user.username)).not.toContain(bobName);

  // He finds her by the start of her name and writes to her.
  const bob = await (await browser.newContext()).newPage();
  await logIn(bob, bobName);
  await expect(bob).toHaveURL(/\/chat\/$/);
  await expect(bob.getByText("Join a public room or create one to start chatting.")).toBeVisible();
  await bob.getByRole("searchbox", { name: "Find someone to message" }).fill(aliceName.slice(0, -2));
  const found = bob.getByRole("list", { name: "People found" });
  await expect(found.getByRole("button", { name: `Message ${aliceName}` })).toBeVisible();
  await expect(bob.getByRole("status").filter({ hasText: "1 person found." })).toBeVisible();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await bob.screenshot({ path: path.join(SCREENSHOT_DIR, "people-search.png") });
  await found.getByRole("button", { name: `Message ${aliceName}` }).click();
  await expect(bob.getByRole("heading", { level: 1 })).toContainText(`@ ${aliceName}`);
  await connected(bob);
  await composer(bob).fill("Hello from someone you do not know yet");
  await composer(bob).press("Enter");
  await expect(messages(bob).getByText("Hello from someone you do not know yet")).toBeVisible();
  await expect(messages(bob).getByText("Sending…")).toHaveCount(0);

  // Alice, still reading `general`: the conversation appears, with its badge and the title's count.
  const dm = page.getByRole("list", { name: "Direct messages" }).getByRole("link", { name: bobName });
  await expect(dm.getByTestId("unread-count")).toHaveText("1 unread");
  await expect(page).toHaveTitle(/^\(1\) general · Chat$/);

  // Carol makes a private room and adds Alice: it appears in her list.
  const carolName = uniqueName("carol");
  const carol = bearer(await apiSignUp(request, carolName));
  const secretName = uniqueName("secret");
  const created = await request.post("/api/v1/rooms", { headers: carol, data: { name: secretName, is_private: true } });
  expect(created.status()).toBe(201);
  const secret = (await created.json()) as { id: number };
  expect((await request.post(`/api/v1/rooms/${secret.id}/members`, { headers: carol, data: { username: aliceName } })).status()).toBe(200);
  const secretLink = sidebar.getByRole("link", { name: secretName });
  await expect(secretLink).toBeVisible();
  await expect(secretLink.getByTestId("unread-count")).toHaveCount(0);

  // Carol writes there: one unread, and the title counts both rooms.
  const posted = await request.post(`/api/v1/rooms/${secret.id}/messages`, { headers: carol, data: { body: "Welcome in" } });
  expect(posted.status()).toBe(201);
  await expect(secretLink.getByTestId("unread-count")).toHaveText("1 unread");
  await expect(page).toHaveTitle(/^\(2\) general · Chat$/);

  // Carol removes her: the room leaves the list, and its count the title.
  const removed = await request.delete(`/api/v1/rooms/${secret.id}/members/${aliceId}`, { headers: carol });
  expect(removed.status()).toBe(204);
  await expect(secretLink).toHaveCount(0);
  await expect(page).toHaveTitle(/^\(1\) general · Chat$/);
  await expect(dm.getByTestId("unread-count")).toHaveText("1 unread");

  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  // All of it came over one socket for the whole app, not one per room.
  expect(sockets).toEqual(["/ws"]);
  await bob.context().close();
});
