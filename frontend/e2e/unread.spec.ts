import { mkdirSync } from "node:fs";
import path from "node:path";

import type { APIRequestContext, Locator } from "@playwright/test";

import { apiSignUp, apiToken, composer, expect, messages, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

test("unread counts follow what is read, across two people, two tabs and a reload", async ({ browser, request }) => {
  const aliceContext = await browser.newContext();
  const alice = await aliceContext.newPage();
  const aliceName = uniqueName("alice");
  await signUp(alice, aliceName);

  // Bob (through the API) makes a room and writes there; Alice joins; Bob writes three more.
  const bobName = uniqueName("bob");
  const bob = { Authorization: `Bearer ${await apiSignUp(request, bobName)}` };
  const roomName = uniqueName("news");
  const room = (await (await request.post("/api/v1/rooms", { headers: bob, data: { name: roomName } })).json()) as {
    id: number;
  };
  await request.post(`/api/v1/rooms/${room.id}/messages`, { headers: bob, data: { body: "seen before: old news" } });
  const aliceToken = await apiToken(request, aliceName);
  expect((await request.post(`/api/v1/rooms/${room.id}/join`, { headers: { Authorization: `Bearer ${aliceToken}` } })).status()).toBe(200);
  // Joined elsewhere (another device, here the API): the room appears in her open page.
  const sidebar = alice.getByRole("navigation", { name: "Rooms" });
  const link = sidebar.getByRole("link", { name: roomName });
  await expect(link).toBeVisible();
  await expect(link.getByTestId("unread-count")).toHaveCount(0); // she joined after that one

  for (const body of ["first news", "second news", "third news"]) {
    await request.post(`/api/v1/rooms/${room.id}/messages`, { headers: bob, data: { body } });
  }
  // Alice is reading `general`: the other room's messages reach her list on the app's socket.
  await expect(link.getByTestId("unread-count")).toHaveText("3 unread");
  await expect(alice).toHaveTitle(/^\(3\) general/);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "unread-counts.png") });

  // A second tab of Alice's shows the same count.
  const secondTab = await aliceContext.newPage();
  await secondTab.goto("/chat/");
  const secondLink = secondTab.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: roomName });
  await expect(secondLink.getByTestId("unread-count")).toHaveText("3 unread");
  await expect(secondTab.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  // She opens the room in the first tab: the divider sits above the first unread message.
  await link.click();
  await expect(alice.getByRole("heading", { level: 1 })).toContainText(roomName);
  const log = messages(alice);
  await expect(log.getByRole("separator", { name: "3 new messages" })).toBeVisible();
  // (Day separators, "Today", are separators too: only the "3 new messages" one counts here.)
  const order = await log.locator("li:not(.day-separator)").evaluateAll((items) =>
    items.map((item) => (item.classList.contains("unread-divider") ? "—divider—" : item.querySelector(".message-body")?.textContent)),
  );
  expect(order).toEqual(["seen before: old news", "—divider—", "first news", "second news", "third news"]);
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "new-messages-divider.png") });

  // Seen: the other tab's count goes at once (a `read` frame), and stays gone after a reload.
  await expect(secondLink.getByTestId("unread-count")).toHaveCount(0);
  await secondTab.reload();
  await expect(secondTab.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: roomName })).toBeVisible();
  await expect(
    secondTab.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: roomName }).getByTestId("unread-count"),
  ).toHaveCount(0);
  const listed = (await (
    await request.get(`/api/v1/rooms/${room.id}`, { headers: { Authorization: `Bearer ${aliceToken}` } })
  ).json()) as { unread_count: number };
  expect(listed.unread_count).toBe(0);

  // Bob writes again while Alice reads `general` in the second tab: only that one is new.
  await secondTab.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: "general" }).click();
  await alice.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: "general" }).click();
  await request.post(`/api/v1/rooms/${room.id}/messages`, { headers: bob, data: { body: "fourth news" } });
  await expect(link.getByTestId("unread-count")).toHaveText("1 unread");
  await aliceContext.close();
});

/** Bob, over the API, in a room of his that Alice (signed up in `page`) joins. */
async function roomWithBob(request: APIRequestContext, aliceName: string) {
  const bob = { Authorization: `Bearer ${await apiSignUp(request, uniqueName("bob"))}` };
  const created = await request.post("/api/v1/rooms", { headers: bob, data: { name: uniqueName("busy") } });
  expect(created.status()).toBe(201);
  const room = (await created.json()) as { id: number; name: string };
  const post = async (body: string) => {
    const res = await request.post(`/api/v1/rooms/${room.id}/messages`, { headers: bob, data: { body } });
    expect(res.status()).toBe(201);
    return ((await res.json()) as { id: number }).id;
  };
  const join = async () => {
    const alice = { Authorization: `Bearer ${await apiToken(request, aliceName)}` };
    expect((await request.post(`/api/v1/rooms/${room.id}/join`, { headers: alice })).status()).toBe(200);
  };
  return { room, post, join };
}

/** Whether the element's box is inside the message list's (scrolled into view). */
const inView = (locator: Locator) =>
  locator.evaluate((el) => {
    const box = el.closest('[role="log"]')?.getBoundingClientRect();
    const at = el.getBoundingClientRect();
    return box !== undefined && at.bottom > box.top && at.top < box.bottom;
  });

test("unread far back: the divider counts them, Jump to first unread loads them, a pill tells of new ones below", async ({ page, request }) => {
  const aliceName = uniqueName("alice");
  await signUp(page, aliceName);
  const { room, post, join } = await roomWithBob(request, aliceName);
  await post("read before: the last one Alice saw");
  await join();
  // While Alice reads `general`, Bob writes more than three pages (docs/api.md: 50 a page).
  const UNREAD = 160;
  for (let i = 1; i <= UNREAD; i++) await post(`unread ${i}`);

  const link = page.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: room.name });
  await expect(link.getByTestId("unread-count")).toHaveText("99+ unread");
  await link.click();
  const log = messages(page);
  await expect(log.getByText(`unread ${UNREAD}`, { exact: true })).toBeVisible();
  // The first unread one is not loaded: no divider yet, a bar that says how many instead.
  await expect(log.getByRole("separator", { name: /new messages/ })).toHaveCount(0);
  const jump = page.getByRole("button", { name: `Jump to first unread (${UNREAD})` });
  await expect(jump).toBeVisible();

  await jump.click();
  const divider = log.getByRole("separator", { name: `${UNREAD} new messages` });
  await expect(divider).toBeVisible();
  expect(await inView(divider)).toBe(true);
  await expect(jump).toHaveCount(0);
  // Between the last message read and the first unread one, which has the focus.
  const around = await divider.evaluate((el) => [
    el.closest("li")?.previousElementSibling?.querySelector(".message-body")?.textContent,
    el.closest("li")?.nextElementSibling?.querySelector(".message-body")?.textContent,
  ]);
  expect(around).toEqual(["read before: the last one Alice saw", "unread 1"]);
  await expect.poll(() => page.evaluate(() => document.activeElement?.querySelector(".message-body")?.textContent)).toBe("unread 1");

  // Scrolled up there, a new message arrives below: a pill says so and goes down to it.
  await post("news while you were up there");
  const pill = page.getByRole("button", { name: "1 new message below" });
  await expect(pill).toBeVisible();
  await pill.click();
  await expect(pill).toHaveCount(0);
  const newest = log.getByText("news while you were up there");
  await expect(newest).toBeVisible();
  expect(await inView(newest)).toBe(true);

  // At the bottom, new messages come into view as they arrive: no pill.
  await post("and another");
  await expect(log.getByText("and another")).toBeVisible();
  await expect(page.getByRole("button", { name: /new messages? below/ })).toHaveCount(0);
});

test("Jump to the newest from a message far back clears ?message= and keeps what was being written", async ({ page, request }) => {
  const aliceName = uniqueName("alice");
  await signUp(page, aliceName);
  const { room, post, join } = await roomWithBob(request, aliceName);
  await join();
  let early = 0;
  for (let i = 1; i <= 80; i++) {
    const id = await post(`line ${i}`);
    if (i === 5) early = id;
  }

  await page.goto(`/chat/?room=${room.id}&message=${early}`);
  const log = messages(page);
  await expect(log.locator(`li[data-message-id="${early}"]`)).toBeFocused();
  await expect(log.getByText("line 80", { exact: true })).toHaveCount(0); // a window far back
  await composer(page).fill("a draft, not sent");

  await page.getByRole("button", { name: "Jump to the newest messages ↓" }).click();
  await expect(log.getByText("line 80", { exact: true })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/chat/\\?room=${room.id}$`));
  // The same view, not a new one: the draft is still there.
  await expect(composer(page)).toHaveValue("a draft, not sent");
  await expect(page.getByRole("button", { name: "Jump to the newest messages ↓" })).toHaveCount(0);

  // A reload opens at the newest.
  await page.reload();
  await expect(log.getByText("line 80", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Jump to the newest messages ↓" })).toHaveCount(0);
});
