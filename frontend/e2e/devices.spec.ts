import { mkdirSync } from "node:fs";
import path from "node:path";

import { expect, logIn, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

test("signing out another device sends that device's open page to the login page at once", async ({ browser }) => {
  const name = uniqueName("owner");
  const laptop = await (await browser.newContext({ userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0" })).newPage();
  const phone = await (
    await browser.newContext({
      userAgent:
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    })
  ).newPage();
  await signUp(laptop, name);
  await logIn(phone, name);
  await expect(phone).toHaveURL(/\/chat\/$/);
  await expect(phone.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  await laptop.getByRole("link", { name: "Settings" }).click();
  await expect(laptop.getByRole("heading", { name: "Signed-in devices" })).toBeVisible();
  const devices = laptop.getByRole("list", { name: "Devices" }).getByRole("listitem");
  await expect(devices).toHaveCount(2);
  await expect(devices.first()).toContainText("Firefox on Windows");
  await expect(devices.first()).toContainText("This device");
  await expect(devices.nth(1)).toContainText("Safari on iOS");
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await laptop.screenshot({ path: path.join(SCREENSHOT_DIR, "devices.png") });

  await devices.nth(1).getByRole("button", { name: /^Sign out Safari on iOS/ }).click();
  await expect(devices).toHaveCount(1);
  // The phone's socket is closed (4401) and its refresh refused: back to the login page.
  await expect(phone).toHaveURL(/\/login\/$/, { timeout: 10_000 });
  await phone.reload();
  await expect(phone).toHaveURL(/\/login\/$/);
  // The laptop carries on.
  await laptop.getByRole("link", { name: "← Back to the chat" }).click();
  await expect(laptop.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
});
