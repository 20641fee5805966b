import { mkdirSync } from "node:fs";
import path from "node:path";

import { expect, logIn, PASSWORD, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");
const NEW_PASSWORD = "a-brand-new-passphrase";

test("a display name is saved, shown on the profile and kept after a reload", async ({ page }) => {
  const name = uniqueName("shown");
  await signUp(page, name);
  await page.getByRole("link", { name: "Settings" }).click();
  const profile = page.getByRole("region", { name: "Profile" });
  await expect(profile).toContainText(`@${name}`);

  await profile.getByLabel("Display name").fill("  Ada Lovelace  ");
  await profile.getByRole("button", { name: "Save display name" }).click();
  await expect(profile.getByRole("status")).toHaveText("Saved. Your display name is Ada Lovelace.");
  // The header shows it at once, the username kept in its title.
  await expect(page.getByRole("navigation", { name: "Account" }).getByTitle(`Signed in as ${name}`)).toHaveText("Ada Lovelace");
  await expect(profile.locator(".profile-shown")).toHaveText("Ada Lovelace");

  await page.reload();
  await expect(page.getByRole("region", { name: "Profile" }).getByLabel("Display name")).toHaveValue("Ada Lovelace");
  await expect(page.getByRole("region", { name: "Profile" }).locator(".profile-shown")).toHaveText("Ada Lovelace");

  // Too long: said before any request, in words.
  await page.getByLabel("Display name").fill("x".repeat(65));
  await expect(page.getByRole("region", { name: "Profile" }).getByRole("alert")).toHaveText("At most 64 characters.");
  await expect(page.getByRole("button", { name: "Save display name" })).toBeDisabled();
});

test("the default for new rooms is chosen and kept", async ({ page }) => {
  await signUp(page, uniqueName("quiet"));
  await page.goto("/settings/");
  const section = page.getByRole("region", { name: "Notifications" });
  await expect(section.getByRole("radio", { name: /^Mentions only/ })).toBeChecked();
  await section.getByRole("radio", { name: /^Every message/ }).check();
  await expect(section.getByRole("status")).toHaveText("Saved: new rooms start at “Every message”.");
  await page.reload();
  await expect(page.getByRole("region", { name: "Notifications" }).getByRole("radio", { name: /^Every message/ })).toBeChecked();
});

test("changing the password with 'Sign out my other devices' signs the other browser out", async ({ browser }) => {
  const name = uniqueName("mover");
  const laptop = await (await browser.newContext()).newPage();
  const phone = await (await browser.newContext()).newPage();
  await signUp(laptop, name);
  await logIn(phone, name);
  await expect(phone).toHaveURL(/\/chat\/$/);
  await expect(phone.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  await laptop.goto("/settings/");
  const password = laptop.getByRole("region", { name: "Password" });
  // A wrong current password: refused in words, nothing changes.
  await password.getByLabel("Current password").fill("not-my-password");
  await password.getByLabel("New password").fill(NEW_PASSWORD);
  await password.getByRole("button", { name: "Change password" }).click();
  await expect(password.getByRole("alert")).toHaveText("That is not your current password.");
  // A new password that is too short: said before any request.
  await password.getByLabel("Current password").fill(PASSWORD);
  await password.getByLabel("New password").fill("short");
  await password.getByRole("button", { name: "Change password" }).click();
  await expect(password.getByRole("alert")).toHaveText("Use at least 8 characters.");

  await password.getByLabel("New password").fill(NEW_PASSWORD);
  await expect(password.getByLabel("Sign out my other devices")).toBeChecked();
  await password.getByRole("button", { name: "Change password" }).click();
  await expect(password.getByRole("status")).toHaveText("Password changed. 1 other device was signed out.");
  await expect(password.getByLabel("Current password")).toHaveValue("");

  // The other browser loses its socket and its session at once.
  await expect(phone).toHaveURL(/\/login\/$/, { timeout: 15_000 });
  // This one stays signed in, and its device list now holds it alone.
  const devices = laptop.getByRole("list", { name: "Devices" }).getByRole("listitem");
  await expect(devices).toHaveCount(1);
  await expect(devices.first()).toContainText("This device");
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await laptop.screenshot({ path: path.join(SCREENSHOT_DIR, "settings.png"), fullPage: true });

  // The old password no longer works; the new one does.
  await logIn(phone, name, PASSWORD);
  await expect(phone.getByRole("alert").filter({ hasText: "Incorrect username or password" })).toBeVisible();
  await expect(phone).toHaveURL(/\/login\/$/);
  await logIn(phone, name, NEW_PASSWORD);
  await expect(phone).toHaveURL(/\/chat\/$/);
});

test("the settings page fits a phone: no sideways scrolling", async ({ browser }) => {
  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  await signUp(phone, uniqueName("narrow"));
  await phone.goto("/settings/#devices");
  await expect(phone.getByRole("heading", { name: "Signed-in devices" })).toBeVisible();
  await expect(phone.getByRole("navigation", { name: "Settings sections" })).toBeVisible();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await phone.screenshot({ path: path.join(SCREENSHOT_DIR, "settings-phone.png"), fullPage: true });
});
