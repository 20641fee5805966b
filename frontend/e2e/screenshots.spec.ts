// Screenshot comparisons of the main views (issue 14), against the baselines kept in
// e2e/__screenshots__/screenshots.spec.ts/ (see e2e/README.md to update them).
//
// Deterministic by construction:
// - a backend of this file's own (see `test` below): the same users, rooms and ids on every run,
//   whatever other spec files ran before in the same `playwright test`;
// - the data made over the REST API in a fixed order, every room opened already read (no
//   "New messages" divider), presence waited for;
// - times (server clock) masked; the en-GB locale writes them 24-hour, zero-padded ("09:05"), so
//   that the masks are the same size every run; UTC, so the day is the same as the server's;
// - no mouse over anything (keys and `focus()`: no hover styles, no toolbars), the caret
//   hidden and animations stopped (the config's toHaveScreenshot options);
// - fonts from Debian packages (DejaVu, Noto Color Emoji, Noto CJK), awaited before each shot.

import path from "node:path";

import type { Locator, Page } from "@playwright/test";

import { BackendServer } from "./backend-server";
import { ADMIN, PASSWORD, apiSignUp, composer, expect, messages, test as shared } from "./fixtures";
import { CONVERSATION, call, seedWorkspace, type Actor, type Workspace } from "./ui-data";

// A worker fixture of its own makes Playwright run this file in a worker of its own: a fresh
// backend, so the admin page and the room lists list exactly the users and rooms made here.
const test = shared.extend<object, { backend: BackendServer }>({
  backend: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires an object pattern here
    async ({}, use) => {
      const server = await BackendServer.start();
      await use(server);
      await server.dispose();
    },
    { scope: "worker", timeout: 60_000 },
  ],
});

test.use({ colorScheme: "light", locale: "en-GB", timezoneId: "UTC" });

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const WIDTHS = [
  ["desktop", DESKTOP],
  ["phone", PHONE],
] as const;

let workspace: Workspace;
/** Someone seen on the settings page only (its list of devices is theirs alone). */
const SETTINGS_USER = "lena";

test.beforeAll(async ({ playwright, backend }) => {
  const request = await playwright.request.newContext({ baseURL: backend.url });
  workspace = await seedWorkspace(request, { viewer: "mira", friend: "kenji", colleague: "sofia", suffix: "" });
  const newest = async (actor: Actor, roomId: number) => {
    const page = await call<{ messages: { id: number }[] }>(request, actor, "GET", `/chat/history?room_id=${roomId}&limit=1`);
    return page.messages[0]?.id ?? 0;
  };
  // The rooms the shots open are read already: no "New messages" divider, whichever test runs first.
  const { viewer, friend, review, direct } = workspace;
  await call(request, viewer, "POST", `/rooms/${review.id}/read`, { message_id: await newest(viewer, review.id) });
  await call(request, friend, "POST", `/rooms/${direct.id}/read`, { message_id: await newest(friend, direct.id) });
  // Signed in over the API too: one more device on the settings page, "active today" on the
  // admin page, whichever of those tests runs first.
  await apiSignUp(request, SETTINGS_USER);
  await request.dispose();
});

/** Logs in with the keyboard alone: the mouse stays off the page (no hover anywhere). */
async function logIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto("/login/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("Password").press("Enter");
  await expect(page).toHaveURL(/\/chat\/?/);
}

/** Times come from the server's clock: hidden behind a mask of a fixed size (those shown; a
 *  continued message's time in its gutter is hidden until hovered). */
const timeMasks = (page: Page): Locator[] => [page.locator("time").filter({ visible: true })];

async function settled(page: Page): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
}

/** Opens a room and waits until everything in it has come: messages, members, the connection. */
async function openRoom(page: Page, roomId: number, lastText: string, online: string[]): Promise<void> {
  await page.goto(`/chat/?room=${roomId}`);
  await expect(messages(page).getByText(lastText)).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Connected" }).first()).toBeVisible();
  await expect(composer(page)).toBeFocused();
  const panel = page.getByRole("complementary", { name: "Room details" });
  if (await panel.isVisible()) {
    // Presence as expected: whoever was signed in by an earlier test has gone offline.
    await expect(panel.getByRole("region", { name: `Online (${online.length})` })).toBeVisible();
  }
  await settled(page);
}

test("chat room: a conversation with Markdown, code, reactions, a reply, emoji and CJK; the room list with unread badges", async ({ page }) => {
  await logIn(page, workspace.viewer.username);
  const rooms = page.getByRole("navigation", { name: "Rooms" });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [width, viewport] of WIDTHS) {
      await page.setViewportSize(viewport);
      // Opened at this width: the member panel starts as it does on such a screen.
      await openRoom(page, workspace.review.id, CONVERSATION.cjk.slice(0, 12), [workspace.viewer.username]);
      await expect(messages(page).getByRole("button", { name: /^👍 2 people/ })).toBeVisible();
      if (width === "desktop") {
        await expect(rooms.getByRole("link", { name: /random/ }).getByTestId("unread-count")).toHaveText(/^3/);
        await expect(rooms.getByRole("link", { name: /release/ }).getByTestId("mention-count")).toBeVisible();
      }
      await expect(page).toHaveScreenshot(`chat-${width}-${scheme}.png`, { mask: timeMasks(page) });
    }
  }

  // The phone's room list: a drawer over the room, opened from the header (with the keyboard).
  await page.emulateMedia({ colorScheme: "light" });
  await page.getByRole("button", { name: /Show rooms/ }).press("Enter");
  await expect(rooms.getByRole("link", { name: /random/ }).getByTestId("unread-count")).toHaveText(/^3/);
  await expect(rooms.getByRole("link", { name: new RegExp(workspace.friend.username) }).getByTestId("unread-count")).toBeVisible();
  await settled(page);
  // No masks: the drawer covers the room and its times.
  await expect(page).toHaveScreenshot("room-list-phone-light.png");
});

test("a direct conversation", async ({ page }) => {
  // Seen by the friend: the viewer's own unread direct messages stay unread for the shots above.
  const { friend, viewer, direct } = workspace;
  await logIn(page, friend.username);
  for (const [width, viewport] of WIDTHS) {
    await page.setViewportSize(viewport);
    await openRoom(page, direct.id, "Great, thanks", [friend.username]);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(viewer.username);
    await expect(page).toHaveScreenshot(`dm-${width}-light.png`, { mask: timeMasks(page) });
  }
});

test("login page", async ({ page }) => {
  for (const [width, viewport] of WIDTHS) {
    await page.setViewportSize(viewport);
    await page.goto("/login/");
    await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
    await settled(page);
    await expect(page).toHaveScreenshot(`login-${width}-light.png`);
  }
});

test("settings page", async ({ page }) => {
  await logIn(page, SETTINGS_USER);
  for (const [width, viewport] of WIDTHS) {
    await page.setViewportSize(viewport);
    await page.goto("/settings/");
    await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
    // This browser, and the session of the sign-in over the API (beforeAll).
    await expect(page.getByRole("list", { name: "Devices" }).getByRole("listitem")).toHaveCount(2);
    await settled(page);
    await expect(page).toHaveScreenshot(`settings-${width}-light.png`, { mask: timeMasks(page), fullPage: true });
  }
});

/** One figure of the admin overview ("Online now": "1 connected right now"). */
const figure = (page: Page, label: string) => page.locator("dt", { hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]");

test("admin page: the overview and the users", async ({ page }) => {
  await logIn(page, ADMIN.username, ADMIN.password);
  const shot = { mask: timeMasks(page), fullPage: true, stylePath: path.join(__dirname, "screenshots.css") };
  for (const [width, viewport] of WIDTHS) {
    await page.setViewportSize(viewport);
    // The figures are read once a visit: read again until the earlier tests' sockets (and their
    // presence grace) are gone and only this page is connected.
    await expect(async () => {
      await page.goto("/admin/");
      await expect(figure(page, "Online now")).toHaveText(/^1\D/, { timeout: 2_000 });
      await expect(figure(page, "Connections")).toHaveText(/^1\D/, { timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(figure(page, "Users")).toHaveText(/^5\D/);
    await settled(page);
    await expect(page).toHaveScreenshot(`admin-overview-${width}-light.png`, shot);

    await page.goto("/admin/#users");
    const users = page.getByRole("tabpanel", { name: "Users" });
    await expect(users.getByRole("rowheader", { name: SETTINGS_USER })).toBeVisible();
    await expect(users.getByRole("row")).toHaveCount(6); // the head and five users
    await expect(users.getByText("online", { exact: true })).toHaveCount(1); // the admin alone
    await settled(page);
    await expect(page).toHaveScreenshot(`admin-users-${width}-light.png`, shot);
  }
});
