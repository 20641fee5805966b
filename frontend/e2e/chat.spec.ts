import { mkdirSync } from "node:fs";
import path from "node:path";

import { apiToken, composer, expect, messages, signUp, test, uniqueName, createRoom } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

test("two people meet in a room and chat both ways in real time; a reload shows the history", async ({ browser }) => {
  const aliceContext = await browser.newContext();
  const bobContext = await browser.newContext();
  const alice = await aliceContext.newPage();
  const bob = await bobContext.newPage();
  const aliceName = uniqueName("alice");
  const bobName = uniqueName("bob");

  await signUp(alice, aliceName);
  await signUp(bob, bobName);
  // Both land in `general`, which every new user joins.
  for (const page of [alice, bob]) {
    await expect(page.getByRole("heading", { level: 1 })).toContainText("general");
    await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  }
  await expect(alice.getByRole("region", { name: /Online/ }).getByText(bobName)).toBeVisible();

  // Bob types: Alice sees it.
  await composer(bob).fill("Hi");
  await expect(alice.getByText(`${bobName} is typing…`)).toBeVisible();
  await composer(bob).fill("");

  await composer(alice).fill(`Hello ${bobName}, from ${aliceName}`);
  await composer(alice).press("Enter");
  await expect(messages(bob).getByText(`Hello ${bobName}, from ${aliceName}`)).toBeVisible();
  await expect(composer(alice)).toHaveValue("");

  await composer(bob).fill("Hi Alice!\nA second line.");
  await bob.getByRole("button", { name: "Send" }).click();
  await expect(messages(alice).getByText("A second line.")).toBeVisible();

  // Each message shown once on each side (the sender's echo replaced its pending copy).
  for (const page of [alice, bob]) {
    await expect(messages(page).getByText(`Hello ${bobName}, from ${aliceName}`)).toHaveCount(1);
    await expect(messages(page).getByText("A second line.")).toHaveCount(1);
  }

  // Text is shown as text: markup in a message is not interpreted.
  await composer(alice).fill('<img src=x onerror="window.__pwned=1"><b>not bold</b>');
  await composer(alice).press("Enter");
  await expect(messages(bob).getByText('<b>not bold</b>', { exact: false })).toBeVisible();
  expect(await bob.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await expect(messages(bob).locator("img")).toHaveCount(0);

  await bob.reload();
  await expect(messages(bob).getByText(`Hello ${bobName}, from ${aliceName}`)).toBeVisible();
  await expect(messages(bob).getByText("A second line.")).toBeVisible();
  await expect(bob.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  // After the reload the conversation still goes both ways.
  await composer(alice).fill("Still there?");
  await composer(alice).press("Enter");
  await expect(messages(bob).getByText("Still there?")).toHaveCount(1);

  await aliceContext.close();
  await bobContext.close();
});

test("own messages can be edited and deleted, and others see it live", async ({ browser }) => {
  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
  await signUp(a, uniqueName("editor"));
  await signUp(b, uniqueName("reader"));
  await expect(b.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  await composer(a).fill("Helo wrold");
  await composer(a).press("Enter");
  await expect(messages(b).getByText("Helo wrold")).toBeVisible();

  const mine = messages(a).getByRole("listitem").filter({ hasText: "Helo wrold" });
  await mine.getByRole("button", { name: "Edit message" }).click();
  await a.getByLabel("Edit message").fill("Hello world");
  await a.getByLabel("Edit message").press("Enter");
  await expect(messages(b).getByText("Hello world")).toBeVisible();
  await expect(messages(b).getByRole("listitem").filter({ hasText: "Hello world" })).toContainText("(edited)");

  const edited = messages(a).getByRole("listitem").filter({ hasText: "Hello world" });
  await edited.getByRole("button", { name: "Delete message" }).click();
  await a.getByRole("button", { name: "Yes, delete" }).click();
  await expect(messages(b).getByText("Hello world")).toHaveCount(0);
  await expect(messages(b).getByText("This message was deleted.").last()).toBeVisible();
});

test("a private room: create it, invite someone, and they can open it", async ({ browser }) => {
  const owner = await (await browser.newContext()).newPage();
  const guest = await (await browser.newContext()).newPage();
  const guestName = uniqueName("guest");
  await signUp(owner, uniqueName("owner"));
  await signUp(guest, guestName);

  const roomName = uniqueName("secret");
  await createRoom(owner, roomName, { isPrivate: true });
  await expect(owner.getByRole("heading", { level: 1 })).toContainText(roomName);
  await expect(owner.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  // Not visible to others before the invitation.
  await guest.reload();
  await expect(guest.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await expect(guest.getByRole("navigation", { name: "Rooms" }).getByText(roomName)).toHaveCount(0);

  await owner.getByLabel("Invite by username").fill(guestName);
  await owner.getByRole("button", { name: "Add member" }).click();
  await expect(owner.getByText(`Added ${guestName}.`)).toBeVisible();
  await expect(owner.getByRole("region", { name: /Members/ }).getByText(guestName)).toBeVisible();
  await composer(owner).fill("Welcome to the secret room");
  await composer(owner).press("Enter");

  // The room appears in the guest's open page, with the message waiting in it.
  const invited = guest.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: roomName });
  await expect(invited.getByTestId("unread-count")).toHaveText("1 unread");
  await invited.click();
  await expect(guest.getByRole("heading", { level: 1 })).toContainText(roomName);
  await expect(messages(guest).getByText("Welcome to the secret room")).toBeVisible();
});

test("screenshots of the chat page at desktop and phone widths", async ({ page }) => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.goto("/login/");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByText("Enter your username.")).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, "login-errors.png") });

  const name = uniqueName("shot");
  await signUp(page, name);
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  for (const text of [
    "Good morning! This is how a conversation looks.",
    "A long word wraps instead of overflowing: " + "supercalifragilisticexpialidocious".repeat(4),
    "Line one\nLine two",
  ]) {
    await composer(page).fill(text);
    await composer(page).press("Enter");
  }
  await expect(messages(page).getByText("Line two")).toBeVisible();
  await expect(messages(page).getByText("Sending…")).toHaveCount(0);

  await page.screenshot({ path: path.join(SCREENSHOT_DIR, "chat-desktop.png") });

  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole("button", { name: "Show rooms" })).toBeVisible();
  // Nothing sticks out sideways at phone width.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, "chat-phone.png") });

  await page.getByRole("button", { name: "Show rooms" }).click();
  await expect(page.getByRole("navigation", { name: "Rooms" })).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, "chat-phone-rooms.png") });
});

test("scrolling to the top loads older pages and keeps the reader's place", async ({ page, request }) => {
  const name = uniqueName("reader");
  await signUp(page, name);
  const token = await apiToken(request, name);
  const headers = { Authorization: `Bearer ${token}` };
  const roomName = uniqueName("archive");
  const created = await request.post("/api/v1/rooms", { headers, data: { name: roomName } });
  const room = (await created.json()) as { id: number };
  for (let i = 1; i <= 120; i += 1) {
    const res = await request.post(`/api/v1/rooms/${room.id}/messages`, { headers, data: { body: `archived message ${i}` } });
    expect(res.status()).toBe(201);
  }

  await page.goto(`/chat/?room=${room.id}`);
  const log = messages(page);
  await expect(log.getByText("archived message 120", { exact: true })).toBeInViewport();
  await expect(log.getByText("archived message 71", { exact: true })).toBeAttached();
  await expect(log.getByText("archived message 70", { exact: true })).toHaveCount(0);

  await log.evaluate((el) => {
    el.scrollTop = 0;
  });
  await expect(log.getByText("archived message 21", { exact: true })).toBeAttached();
  // The message that was at the top before the older page went in is still in view.
  await expect(log.getByText("archived message 71", { exact: true })).toBeInViewport();

  await log.evaluate((el) => {
    el.scrollTop = 0;
  });
  await expect(log.getByText("archived message 1", { exact: true })).toBeAttached();
  await expect(log.getByRole("button", { name: "Load older messages" })).toHaveCount(0);
  // Every message once (the day's separator is a list item of its own).
  await expect(log.getByRole("listitem").and(log.locator("[data-message-id]"))).toHaveCount(120);
});
