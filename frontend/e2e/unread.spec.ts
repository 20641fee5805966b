import { mkdirSync } from "node:fs";
import path from "node:path";

import { apiSignUp, apiToken, expect, messages, signUp, test, uniqueName } from "./fixtures";

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
  await expect(log.getByRole("separator", { name: "New messages" })).toBeVisible();
  // (Day separators, "Today", are separators too: only the "New messages" one counts here.)
  const order = await log.locator("li:not(.day-separator)").evaluateAll((items) =>
    items.map((item) => (item.getAttribute("role") === "separator" ? "—divider—" : item.querySelector(".message-body")?.textContent)),
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
