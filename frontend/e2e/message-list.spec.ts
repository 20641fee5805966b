import { mkdirSync } from "node:fs";
import path from "node:path";

import { apiToken, expect, messages, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

test("a dense list: grouped lines, a day separator, a toolbar on hover, arrows between messages, who reacted", async ({
  browser,
  request,
}) => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const aliceName = uniqueName("alice");
  const bobName = uniqueName("bob");
  const alice = await (await browser.newContext()).newPage();
  await signUp(alice, aliceName);
  const bobPage = await (await browser.newContext()).newPage();
  await signUp(bobPage, bobName);
  const aliceToken = await apiToken(request, aliceName);
  const bobToken = await apiToken(request, bobName);
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  const roomRes = await request.post("/api/v1/rooms", { headers: as(aliceToken), data: { name: uniqueName("dense"), is_private: false } });
  expect(roomRes.ok()).toBe(true);
  const room = (await roomRes.json()) as { id: number };
  expect((await request.post(`/api/v1/rooms/${room.id}/join`, { headers: as(bobToken) })).ok()).toBe(true);

  const script: [string, string][] = [
    [aliceToken, "Morning! Did the deploy go out?"],
    [aliceToken, "The dashboards look quiet."],
    [bobToken, "Yes, at 9:10. No errors so far."],
    [bobToken, "I'll keep an eye on the queue."],
    [bobToken, "Latency is back to normal too."],
    [aliceToken, "Great, thanks!"],
    [aliceToken, "Let's do the **release notes** after lunch."],
    [bobToken, "Sounds good."],
  ];
  for (let i = 0; i < 12; i++) script.push([i % 5 < 3 ? aliceToken : bobToken, `Standup note ${i + 1}: all green`]);
  for (const [token, body] of script) {
    const res = await request.post(`/api/v1/rooms/${room.id}/messages`, { headers: as(token), data: { body } });
    expect(res.ok()).toBe(true);
  }

  await alice.goto(`/chat/?room=${room.id}`);
  const log = messages(alice);
  await expect(log.getByText("Standup note 12: all green")).toBeVisible();
  await expect(log.getByRole("separator", { name: "Today" })).toBeVisible();

  // Grouping: Alice's second line sits under her first, without her name again.
  const second = log.locator("li[data-message-id]").filter({ hasText: "The dashboards look quiet." });
  await expect(second).toHaveClass(/continuation/);
  await expect(log.locator("li[data-message-id]").filter({ hasText: "Yes, at 9:10" })).not.toHaveClass(/continuation/);

  // Dense: at 1280x800 at least 15 one-line messages are in view (at the bottom of the list).
  await log.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const inView = await log.locator("li[data-message-id]").evaluateAll((items) => {
    const box = items[0]?.closest('[role="log"]')?.getBoundingClientRect();
    return items.filter((item) => {
      const at = item.getBoundingClientRect();
      return box !== undefined && at.top >= box.top - 1 && at.bottom <= box.bottom + 1;
    }).length;
  });
  expect(inView).toBeGreaterThanOrEqual(15);

  // One tab stop: the newest message; ArrowUp moves to the one before, Tab into its toolbar.
  const items = log.locator("li[data-message-id]");
  await expect(log.locator('li[data-message-id][tabindex="0"]')).toHaveCount(1);
  await items.last().focus();
  await alice.keyboard.press("ArrowUp");
  await expect(items.nth(-2)).toBeFocused();
  await alice.keyboard.press("Tab");
  await expect(items.nth(-2).getByRole("button", { name: "Add reaction" })).toBeFocused();
  await expect(items.nth(-2).getByRole("group", { name: "Message actions" })).toHaveCSS("opacity", "1");
  await alice.keyboard.press("Shift+Tab");
  await expect(items.nth(-2)).toBeFocused();
  await alice.keyboard.press("Home");
  await expect(items.first()).toBeFocused();
  await expect(items.first()).toContainText("Morning!");
  await alice.keyboard.press("End");
  await expect(items.last()).toBeFocused();

  // The toolbar shows on hover only.
  const sounds = log.locator("li[data-message-id]").filter({ hasText: "Sounds good." });
  const toolbar = sounds.getByRole("group", { name: "Message actions" });
  await alice.mouse.move(5, 5);
  await alice.locator("body").evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await expect(toolbar).toHaveCSS("opacity", "0");
  await sounds.hover();
  await expect(toolbar).toHaveCSS("opacity", "1");

  // Bob reacts; hovering the chip tells Alice who.
  await bobPage.goto(`/chat/?room=${room.id}`);
  const onBob = messages(bobPage).locator("li[data-message-id]").filter({ hasText: "Great, thanks!" });
  await onBob.hover();
  await onBob.getByRole("button", { name: "Add reaction" }).click();
  const picker = bobPage.getByRole("dialog", { name: "Pick a reaction" });
  await picker.getByRole("searchbox", { name: "Search emoji" }).fill("thumbs up");
  await picker.getByRole("button", { name: "thumbs up", exact: true }).click();
  const chip = log.locator("li[data-message-id]").filter({ hasText: "Great, thanks!" }).getByRole("button", { name: /^👍 1 person$/ });
  await chip.hover();
  await expect(chip).toHaveAccessibleDescription(new RegExp(`👍 by ${bobName}`));
  await expect(alice.getByRole("tooltip").filter({ hasText: `by ${bobName}` })).toBeVisible();
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "list-reaction-tooltip.png") });

  await sounds.hover();
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "list-desktop.png") });
  await log.evaluate((el) => (el.scrollTop = 0));
  await second.hover();
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "list-desktop-top.png") });

  await alice.setViewportSize({ width: 390, height: 844 });
  await expect(log.getByText("Standup note 12: all green")).toBeVisible();
  const overflow = await alice.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await log.locator("li[data-message-id]").filter({ hasText: "Standup note 11" }).hover();
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "list-phone.png") });
});
