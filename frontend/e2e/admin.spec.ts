import path from "node:path";

import { ADMIN, expect, logIn, PASSWORD, signUp, test, uniqueName, createRoom } from "./fixtures";

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

test("an admin deactivates someone, who is signed out at once and cannot log in again", async ({ browser }) => {
  const victimPage = await (await browser.newContext()).newPage();
  const victim = uniqueName("victim");
  await signUp(victimPage, victim);
  await expect(victimPage.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, ADMIN.username, ADMIN.password);
  await expect(adminPage).toHaveURL(/\/chat\/$/);
  await adminPage.getByRole("link", { name: "Admin" }).click();
  await expect(adminPage.getByRole("heading", { name: "Administration" })).toBeVisible();

  const row = adminPage.getByRole("row").filter({ has: adminPage.getByRole("rowheader", { name: victim, exact: true }) });
  await expect(row).toContainText("active");
  await row.getByRole("button", { name: `Deactivate ${victim}` }).click();
  await expect(row).toContainText("deactivated");
  await expect(row.getByRole("button", { name: `Reactivate ${victim}` })).toBeVisible();

  // Their open page loses its socket and its session.
  await expect(victimPage).toHaveURL(/\/login\/$/, { timeout: 20_000 });
  await logIn(victimPage, victim, PASSWORD);
  await expect(victimPage.getByRole("alert").filter({ hasText: /deactivated/i })).toBeVisible();
  await expect(victimPage).toHaveURL(/\/login\/$/);

  // Reactivated, they can log in again.
  await row.getByRole("button", { name: `Reactivate ${victim}` }).click();
  await expect(row).toContainText("active");
  await logIn(victimPage, victim, PASSWORD);
  await expect(victimPage).toHaveURL(/\/chat\/$/);
});

test("an admin changes a role and deletes a room", async ({ page, browser }) => {
  const member = uniqueName("member");
  const other = await (await browser.newContext()).newPage();
  await signUp(other, member);

  await logIn(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/chat\/$/);
  const roomName = uniqueName("doomed");
  await createRoom(page, roomName);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(roomName);

  await page.getByRole("link", { name: "Admin" }).click();
  const userRow = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: member, exact: true }) });
  await userRow.getByLabel(`Role of ${member}`).selectOption("admin");
  await expect(userRow.getByLabel(`Role of ${member}`)).toHaveValue("admin");
  // The promotion holds on the server: the member now sees the admin link.
  await other.reload();
  await expect(other.getByRole("link", { name: "Admin" })).toBeVisible();

  await page.screenshot({ path: path.join(__dirname, "..", "test-results", "screenshots", "admin.png"), fullPage: true });

  await page.getByRole("button", { name: `Delete room ${roomName}` }).click();
  await page.getByRole("button", { name: `Yes, delete ${roomName}` }).click();
  await expect(page.getByRole("rowheader", { name: roomName })).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Administration" })).toBeVisible();
  await expect(page.getByRole("rowheader", { name: roomName })).toHaveCount(0);
});
