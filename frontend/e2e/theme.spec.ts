import { mkdirSync } from "node:fs";
import path from "node:path";

import type { Page } from "@playwright/test";

import { composer, expect, messages, signUp, test, uniqueName } from "./fixtures";

// Beside the other screenshots of the UI (issue 14): /work/screens in this workspace.
const SCREENS = process.env.SCREENS_DIR ?? path.join(__dirname, "..", "..", "..", "screens");

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

test("the theme switch: dark is applied at once and still there after a reload", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await signUp(page, uniqueName("themer"));
  const light = await background(page);

  await page.getByRole("link", { name: "Settings" }).click();
  const theme = page.getByRole("group", { name: "Theme" });
  await expect(theme.getByRole("radio", { name: "System" })).toBeChecked();
  await theme.getByRole("radio", { name: "Dark" }).check();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  const dark = await background(page);
  expect(dark).not.toBe(light);

  // Before the first paint: the attribute is there as soon as the document is.
  await page.reload({ waitUntil: "domcontentloaded" });
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(page.getByRole("group", { name: "Theme" }).getByRole("radio", { name: "Dark" })).toBeChecked();
  expect(await background(page)).toBe(dark);

  // System follows the device again.
  await page.getByRole("group", { name: "Theme" }).getByRole("radio", { name: "System" }).check();
  await expect(page.locator("html")).not.toHaveAttribute("data-theme", /.+/);
  expect(await background(page)).toBe(light);
  await page.emulateMedia({ colorScheme: "dark" });
  expect(await background(page)).toBe(dark);
});

test("screenshots of the UI, light and dark, desktop and phone", async ({ page }) => {
  mkdirSync(SCREENS, { recursive: true });
  await signUp(page, uniqueName("shots"));
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  for (const text of ["Good morning! Here is how the conversation looks.", "A second line from the same person", "**Bold** and `code`"]) {
    await composer(page).fill(text);
    await composer(page).press("Enter");
  }
  await expect(messages(page).getByText("Sending…")).toHaveCount(0);

  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(SCREENS, `ui-desktop-${scheme}.png`) });
    await page.keyboard.press("Control+k");
    await expect(page.getByRole("dialog", { name: "Switch room" })).toBeVisible();
    await page.screenshot({ path: path.join(SCREENS, `ui-switcher-${scheme}.png`) });
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "New room" }).click();
    await page.screenshot({ path: path.join(SCREENS, `ui-new-room-${scheme}.png`) });
    await page.keyboard.press("Escape");

    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // The member panel, open at desktop width, is closed from the room header to read.
    const members = page.getByRole("button", { name: "Members" });
    await members.click();
    await expect(members).toHaveAttribute("aria-expanded", "false");
    // Header, search and the room's title in about a tenth of the height.
    const headerBottom = await page.locator(".room-header").evaluate((el) => el.getBoundingClientRect().bottom);
    expect(headerBottom).toBeLessThanOrEqual(844 * 0.12);
    await page.screenshot({ path: path.join(SCREENS, `ui-phone-${scheme}.png`) });
    await members.click();
    await expect(members).toHaveAttribute("aria-expanded", "true");
  }
});
