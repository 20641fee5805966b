import { mkdirSync } from "node:fs";
import path from "node:path";

import type { Page } from "@playwright/test";

import { ADMIN, apiSignUp, createRoom, expect, logIn, PASSWORD, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

async function openAdmin(page: Page, tab?: "Users" | "Rooms" | "Audit log"): Promise<void> {
  await logIn(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/chat\/$/);
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { name: "Administration" })).toBeVisible();
  if (tab) await page.getByRole("tab", { name: tab }).click();
}

const userRow = (page: Page, username: string) =>
  page.getByRole("row").filter({ has: page.getByRole("rowheader").filter({ hasText: new RegExp(`^${username}`) }) });

test("a regular user cannot reach the admin page", async ({ page }) => {
  await signUp(page, uniqueName("plain"));
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  await page.goto("/admin/");
  await expect(page).toHaveURL(/\/chat\/$/);
  await expect(page.getByRole("heading", { name: "Administration" })).toHaveCount(0);
});

test("an anonymous visitor is sent to the login page", async ({ page }) => {
  await page.goto("/admin/");
  await expect(page).toHaveURL(/\/login\/$/);
  await page.goto("/chat/");
  await expect(page).toHaveURL(/\/login\/$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\/$/);
});

test("the overview shows the figures at a glance", async ({ page, request }) => {
  await apiSignUp(request, uniqueName("counted"));
  await openAdmin(page);
  const figures = page.getByRole("region", { name: "Overview" });
  for (const label of ["Users", "Active today", "Online now", "Rooms", "Messages", "Messages today", "Connections"]) {
    await expect(figures.getByRole("term").filter({ hasText: new RegExp(`^${label}$`) })).toBeVisible();
  }
  // The admin is online and active, at least.
  await expect(figures.getByRole("definition").first()).not.toHaveText(/^0/);
});

test("an admin deactivates someone after confirming; they are signed out at once and cannot log in", async ({ browser }) => {
  const victimPage = await (await browser.newContext()).newPage();
  const victim = uniqueName("victim");
  await signUp(victimPage, victim);
  await expect(victimPage.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  const adminPage = await (await browser.newContext()).newPage();
  await openAdmin(adminPage, "Users");
  await adminPage.getByLabel("Search users").fill(victim);
  const row = userRow(adminPage, victim);
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Active");
  await row.getByRole("button", { name: `Deactivate ${victim}` }).click();
  // Asked first; Cancel changes nothing.
  const dialog = adminPage.getByRole("dialog", { name: `Deactivate ${victim}?` });
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText("Active");
  await row.getByRole("button", { name: `Deactivate ${victim}` }).click();
  await adminPage.getByRole("dialog").getByRole("button", { name: `Deactivate ${victim}` }).click();
  await expect(adminPage.getByRole("dialog")).toHaveCount(0);
  await expect(row).toContainText("Deactivated");

  // Their open page loses its socket and its session.
  await expect(victimPage).toHaveURL(/\/login\/$/, { timeout: 20_000 });
  await logIn(victimPage, victim, PASSWORD);
  await expect(victimPage.getByRole("alert").filter({ hasText: /deactivated/i })).toBeVisible();
  await expect(victimPage).toHaveURL(/\/login\/$/);

  // Reactivated, they can log in again.
  await row.getByRole("button", { name: `Reactivate ${victim}` }).click();
  await adminPage.getByRole("dialog").getByRole("button", { name: `Reactivate ${victim}` }).click();
  await expect(row).toContainText("Active");
  await logIn(victimPage, victim, PASSWORD);
  await expect(victimPage).toHaveURL(/\/chat\/$/);
});

test("among 120 users an admin searches, pages, changes a role after confirming, and sees it in the audit log", async ({
  page,
  browser,
  request,
}) => {
  test.setTimeout(120_000);
  const prefix = `crowd${Date.now().toString(36).slice(-4)}`;
  const names = Array.from({ length: 120 }, (_, n) => `${prefix}_${String(n).padStart(3, "0")}`);
  for (let start = 0; start < names.length; start += 20) {
    await Promise.all(
      names.slice(start, start + 20).map((name) => request.post("/api/v1/signup", { data: { username: name, password: PASSWORD } })),
    );
  }
  const promoted = `${prefix}_077`;
  const other = await (await browser.newContext()).newPage();
  await logIn(other, promoted);
  await expect(other).toHaveURL(/\/chat\/$/);

  await openAdmin(page, "Users");
  const search = page.getByLabel("Search users");
  await search.fill(prefix);
  const rows = page.getByRole("table", { name: /^Users/ }).getByRole("row");
  // A header row and the first page of 50.
  await expect(rows).toHaveCount(51);
  await expect(page.getByText("50 users shown.")).toBeVisible();
  await page.getByRole("button", { name: "Load more users" }).click();
  await expect(rows).toHaveCount(101);
  await page.getByRole("button", { name: "Load more users" }).click();
  await expect(rows).toHaveCount(121);
  await expect(page.getByText("120 users shown, all of them.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Load more users" })).toHaveCount(0);

  // A narrower search; last seen says when they logged in.
  await search.fill(promoted);
  await expect(rows).toHaveCount(2);
  const row = userRow(page, promoted);
  await expect(row.locator("td[data-label='Last seen'] time")).toHaveText(/now|second|minute/);
  await expect(row.locator("td[data-label='Last seen'] time")).toHaveAttribute("title", /\d/);

  await row.getByLabel(`Role of ${promoted}`).selectOption("admin");
  const dialog = page.getByRole("dialog", { name: `Make ${promoted} an admin?` });
  await expect(dialog).toBeVisible();
  await expect(row.getByLabel(`Role of ${promoted}`)).toHaveValue("user"); // not until confirmed
  await dialog.getByRole("button", { name: `Make ${promoted} an admin` }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row.getByLabel(`Role of ${promoted}`)).toHaveValue("admin");
  // The promotion holds on the server: they now see the admin link.
  await other.reload();
  await expect(other.getByRole("link", { name: "Admin" })).toBeVisible();

  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, "admin-users.png") });

  await page.getByRole("tab", { name: "Audit log" }).click();
  const newest = page.getByRole("list", { name: "Admin actions" }).getByRole("listitem").first();
  await expect(newest).toContainText(`${ADMIN.username} made ${promoted} an admin`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, "admin-audit.png"), fullPage: true });
});

test("an admin deletes a room after confirming, and the audit log keeps its name", async ({ page }) => {
  await logIn(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/chat\/$/);
  const roomName = uniqueName("doomed");
  await createRoom(page, roomName);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(roomName);

  await page.getByRole("link", { name: "Admin" }).click();
  await page.getByRole("tab", { name: "Rooms" }).click();
  await page.getByLabel("Search rooms").fill(roomName);
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: roomName }) });
  await expect(row).toContainText("Public");
  await expect(row.locator("td[data-label='Members']")).toHaveText("1");
  await page.getByRole("button", { name: `Delete room ${roomName}` }).click();
  await page.getByRole("dialog", { name: `Delete ${roomName}?` }).getByRole("button", { name: `Delete ${roomName}` }).click();
  await expect(page.getByRole("rowheader", { name: roomName })).toHaveCount(0);
  await expect(page.getByText("No room matches that search.")).toBeVisible();

  await page.getByRole("tab", { name: "Audit log" }).click();
  await expect(page.getByRole("list", { name: "Admin actions" }).getByRole("listitem").first()).toContainText(
    `${ADMIN.username} deleted the public room ${roomName}`,
  );
  // The tab is kept in the address.
  await page.reload();
  await expect(page.getByRole("tab", { name: "Audit log" })).toHaveAttribute("aria-selected", "true");
});

test("a search answered after a deletion does not bring the deleted room back", async ({ page }) => {
  await logIn(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/chat\/$/);
  const roomName = uniqueName("raced");
  await createRoom(page, roomName);
  await page.getByRole("link", { name: "Admin" }).click();
  await page.getByRole("tab", { name: "Rooms" }).click();
  await page.getByLabel("Search rooms").fill(roomName);
  const rowHeader = page.getByRole("rowheader", { name: roomName });
  await expect(rowHeader).toHaveCount(1);

  // The next search is read by the server at once but answered only after the deletion is.
  const shorter = roomName.slice(0, -1);
  let deletionAnswered!: () => void;
  const deleted = new Promise<void>((resolve) => (deletionAnswered = resolve));
  let searchRead!: () => void;
  const read = new Promise<void>((resolve) => (searchRead = resolve));
  await page.route(
    (url) => url.pathname.endsWith("/api/v1/admin/rooms") && url.searchParams.get("q") === shorter,
    async (route) => {
      const response = await route.fetch();
      searchRead();
      await deleted;
      await route.fulfill({ response });
    },
  );
  await page.getByLabel("Search rooms").fill(shorter);
  await read;
  const deletion = page.waitForResponse((res) => res.request().method() === "DELETE" && res.url().includes("/admin/rooms/"));
  await page.getByRole("button", { name: `Delete room ${roomName}` }).click();
  await page.getByRole("dialog", { name: `Delete ${roomName}?` }).getByRole("button", { name: `Delete ${roomName}` }).click();
  expect((await deletion).status()).toBe(204);
  await expect(rowHeader).toHaveCount(0);
  deletionAnswered();
  // The held answer (the room still there) has arrived: the list is ready, and the room stays gone.
  await expect(page.getByText("No room matches that search.")).toBeVisible();
  await expect(rowHeader).toHaveCount(0);
});

test("on a phone the admin tables become stacked rows: no sideways scrolling", async ({ browser }) => {
  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  await openAdmin(phone, "Users");
  await expect(userRow(phone, ADMIN.username)).toBeVisible();
  for (const tab of ["Users", "Rooms", "Audit log", "Overview"] as const) {
    await phone.getByRole("tab", { name: tab }).click();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, tab).toBeLessThanOrEqual(0);
  }
  await phone.getByRole("tab", { name: "Users" }).click();
  // Each value has its label beside it, and words stay whole (a row is wider than its longest word).
  const status = userRow(phone, ADMIN.username).locator("td[data-label='Status']");
  await expect(status).toContainText("Active");
  const box = await status.boundingBox();
  expect(box?.width ?? 0).toBeGreaterThan(200);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await phone.screenshot({ path: path.join(SCREENSHOT_DIR, "admin-phone.png"), fullPage: true });
});
