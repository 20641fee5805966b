import { mkdirSync } from "node:fs";
import path from "node:path";

import type { Page } from "@playwright/test";

import { apiToken, composer, expect, messages, signUp, test, uniqueName, createRoom } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

interface Recorded {
  title: string;
  body: string;
  tag: string;
}

/**
 * Stands in for the browser's notifications (granted) and lets the test hide the page: every
 * notification made is recorded in `window.__notifications`, the objects in `__notificationObjects`.
 */
function fakeNotificationsAndVisibility() {
  const w = window as unknown as {
    __notifications: Recorded[];
    __notificationObjects: { onclick: (() => void) | null }[];
    __setHidden(hidden: boolean): void;
    Notification: unknown;
  };
  w.__notifications = [];
  w.__notificationObjects = [];
  class FakeNotification {
    static permission = "granted";
    static requestPermission() {
      return Promise.resolve("granted");
    }
    onclick: (() => void) | null = null;
    constructor(title: string, options: { body?: string; tag?: string } = {}) {
      w.__notifications.push({ title, body: options.body ?? "", tag: options.tag ?? "" });
      w.__notificationObjects.push(this);
    }
    close() {
      return undefined;
    }
  }
  w.Notification = FakeNotification;
  let hidden = false;
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  w.__setHidden = (value: boolean) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
}

test.beforeEach(() => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

const notifications = (page: Page) => page.evaluate(() => (window as unknown as { __notifications: Recorded[] }).__notifications);
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((value) => (window as unknown as { __setHidden(h: boolean): void }).__setHidden(value), hidden);

test("a mention notifies the person named while their tab is hidden, counts in the sidebar and lists under Mentions", async ({
  browser,
}) => {
  const aliceContext = await browser.newContext();
  await aliceContext.addInitScript(fakeNotificationsAndVisibility);
  const alice = await aliceContext.newPage();
  const bob = await (await browser.newContext()).newPage();
  const aliceName = uniqueName("alice");
  const bobName = uniqueName("bob");
  await signUp(alice, aliceName);
  await signUp(bob, bobName);
  await expect(bob.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  // Alice reads another room of her own, then leaves the tab for something else.
  await createRoom(alice, uniqueName("quiet"));
  await expect(alice.getByRole("heading", { level: 1 })).not.toContainText("general");
  await expect(alice.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  // The permission is granted (the stub): the sidebar says notifications are on.
  await expect(alice.getByText("Desktop notifications are on.")).toBeVisible();
  await setHidden(alice, true);

  // Bob names her in general, choosing her from the @ suggestions with the keyboard.
  await composer(bob).fill(`Lunch, `);
  await composer(bob).pressSequentially(`@${aliceName.slice(0, aliceName.length - 2)}`);
  const suggestions = bob.getByRole("listbox", { name: "People to mention" });
  const option = suggestions.getByRole("option", { name: `@${aliceName}` });
  await expect(option).toBeVisible();
  await expect(option).toHaveAttribute("aria-selected", "true");
  await expect(composer(bob)).toHaveAttribute("aria-activedescendant", (await option.getAttribute("id")) ?? "");
  await bob.screenshot({ path: path.join(SCREENSHOT_DIR, "mention-autocomplete.png") });
  await composer(bob).press("Enter");
  await expect(suggestions).toBeHidden();
  await expect(composer(bob)).toHaveValue(`Lunch, @${aliceName} `);
  await composer(bob).pressSequentially("are you **coming**?");
  await composer(bob).press("Enter");
  await expect(messages(bob).locator("li[data-message-id]").filter({ hasText: "are you coming?" })).toBeVisible();

  // Alice's (stubbed) browser showed one notification: who, where, and the text without markup.
  await expect.poll(async () => (await notifications(alice)).length).toBe(1);
  const [shown] = await notifications(alice);
  expect(shown?.title).toBe(`${bobName} in #general`);
  expect(shown?.body).toBe(`Lunch, @${aliceName} are you coming?`);

  // Her sidebar counts the mention beside the unread count.
  const general = alice.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: "general" });
  await expect(general.getByTestId("mention-count")).toHaveText("@1 mention");
  await expect(general.getByTestId("unread-count")).toHaveText("1 unread");
  await expect(alice.getByTestId("mention-total")).toHaveText("1 new");
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "mention-badge.png") });

  // She comes back and opens the Mentions list: the message is there, and opens in its room.
  await setHidden(alice, false);
  await alice.getByRole("button", { name: /Mentions/ }).click();
  const panel = alice.getByRole("region", { name: "Mentions of you" });
  const entry = panel.getByRole("button").filter({ hasText: "are you coming?" });
  await expect(entry).toContainText("#general");
  await expect(entry).toContainText(bobName);
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "mentions-view.png") });
  await entry.click();
  await expect(alice).toHaveURL(/room=\d+&message=\d+/);
  await expect(alice.getByRole("heading", { level: 1 })).toContainText("general");
  const mentioned = messages(alice).locator('li[aria-current="true"]');
  await expect(mentioned).toContainText("are you coming?");
  await expect(mentioned).toHaveClass(/mentions-me/);
  await expect(mentioned.locator(".mention-self")).toHaveText(`@${aliceName}`);
  // Read to the newest: both counts go (the room is open, so its own badges hide too).
  await alice.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: "quiet" }).first().click();
  await expect(general.getByTestId("mention-count")).toHaveCount(0);
  await expect(general.getByTestId("unread-count")).toHaveCount(0);
  await general.click();
  await expect(messages(alice).locator("li.mentions-me").filter({ hasText: "are you coming?" })).toBeVisible();
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "mention-highlight.png") });
});

test("clicking a notification opens the message; per-room settings decide what notifies, on every device", async ({
  browser,
  request,
}) => {
  const aliceContext = await browser.newContext();
  await aliceContext.addInitScript(fakeNotificationsAndVisibility);
  const alice = await aliceContext.newPage();
  const aliceName = uniqueName("alice");
  await signUp(alice, aliceName);
  await expect(alice.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  // Bob writes through the API in a room of his that Alice joins.
  const bobName = uniqueName("bob");
  await request.post("/api/v1/signup", { data: { username: bobName, password: "correct-horse-42" } });
  const bob = { Authorization: `Bearer ${await apiToken(request, bobName)}` };
  const roomName = uniqueName("team");
  const room = (await (await request.post("/api/v1/rooms", { headers: bob, data: { name: roomName } })).json()) as { id: number };
  const alicesApi = { Authorization: `Bearer ${await apiToken(request, aliceName)}` };
  expect((await request.post(`/api/v1/rooms/${room.id}/join`, { headers: alicesApi })).status()).toBe(200);
  const link = alice.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: roomName });
  await link.click();
  await expect(alice.getByRole("heading", { level: 1 })).toContainText(roomName);

  // A second tab of Alice's follows the setting she changes in the first.
  const secondTab = await aliceContext.newPage();
  await secondTab.goto(`/chat/?room=${room.id}`);
  const setting = (page: Page) => page.getByRole("combobox", { name: "Notifications for this room" });
  await expect(setting(alice)).toHaveValue("mentions");
  await expect(setting(secondTab)).toHaveValue("mentions");
  await setting(alice).selectOption("all");
  await expect(setting(secondTab)).toHaveValue("all");
  await secondTab.close();

  // "All messages": a message that names nobody notifies; the notification opens it.
  await setHidden(alice, true);
  const tag = uniqueName("note");
  const sent = await request.post(`/api/v1/rooms/${room.id}/messages`, {
    headers: bob,
    data: { body: `# Plan ${tag}\n\nSee [the doc](https://example.com) and \`run it\`` },
  });
  const sentId = ((await sent.json()) as { id: number }).id;
  await expect.poll(async () => (await notifications(alice)).length).toBe(1);
  const [first] = await notifications(alice);
  expect(first?.title).toBe(`${bobName} in #${roomName}`);
  expect(first?.body).toBe(`Plan ${tag} See the doc and run it`);
  expect(first?.tag).toBe(`chat-message-${sentId}`);
  await setHidden(alice, false);
  await alice.evaluate(() => (window as unknown as { __notificationObjects: { onclick(): void }[] }).__notificationObjects[0]?.onclick());
  await expect(alice).toHaveURL(new RegExp(`room=${room.id}&message=${sentId}`));
  await expect(messages(alice).locator('li[aria-current="true"]')).toContainText(`Plan ${tag}`);

  // Muted: nothing notifies, not even a mention. (The message reaching her list shows that it
  // was looked at: the notification is decided as the frame arrives.)
  await setting(alice).selectOption("muted");
  await expect(link.locator(".room-muted")).toBeVisible();
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "notification-settings.png") });
  await setHidden(alice, true);
  await request.post(`/api/v1/rooms/${room.id}/messages`, { headers: bob, data: { body: `@${aliceName} muted ${tag}` } });
  await expect(messages(alice).getByText(`muted ${tag}`)).toBeVisible();
  expect(await notifications(alice)).toHaveLength(1);

  // Mentions only: a plain message does not notify, a mention does.
  await setting(alice).selectOption("mentions");
  await request.post(`/api/v1/rooms/${room.id}/messages`, { headers: bob, data: { body: `plain ${tag}` } });
  await expect(messages(alice).getByText(`plain ${tag}`)).toBeVisible();
  expect(await notifications(alice)).toHaveLength(1);
  await request.post(`/api/v1/rooms/${room.id}/messages`, { headers: bob, data: { body: `hey @${aliceName} ${tag}` } });
  await expect.poll(async () => (await notifications(alice)).length).toBe(2);
  expect((await notifications(alice))[1]?.body).toBe(`hey @${aliceName} ${tag}`);

  // The setting is the server's: a reload keeps it.
  await alice.reload();
  await expect(setting(alice)).toHaveValue("mentions");
});
