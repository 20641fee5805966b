import { mkdirSync } from "node:fs";
import path from "node:path";

import { apiToken, expect, messages, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

test("a search finds a fragment in Japanese and jumps to the message, far back in its room", async ({ page, request }) => {
  const name = uniqueName("searcher");
  await signUp(page, name);
  const headers = { Authorization: `Bearer ${await apiToken(request, name)}` };
  const roomName = uniqueName("archive");
  const room = (await (await request.post("/api/v1/rooms", { headers, data: { name: roomName } })).json()) as { id: number };
  const tag = uniqueName("tag");
  for (let i = 1; i <= 90; i += 1) {
    const body = i === 7 ? `私は東京に住んでいます ${tag}` : `filler message ${i}`;
    expect((await request.post(`/api/v1/rooms/${room.id}/messages`, { headers, data: { body } })).status()).toBe(201);
  }

  await page.goto("/chat/");
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  const box = page.getByRole("searchbox", { name: "Search messages" });
  await box.fill("x");
  await box.press("Enter");
  await expect(page.getByText("Type at least 2 characters.")).toBeVisible();

  await box.fill("東京");
  await box.press("Enter");
  const results = page.getByRole("region", { name: "Search results" });
  const hit = results.getByRole("button").filter({ hasText: tag });
  await expect(hit).toBeVisible();
  await expect(hit).toContainText(`#${roomName}`);
  await expect(hit.locator("mark")).toHaveText("東京");
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, "search-results.png") });

  await hit.click();
  await expect(page).toHaveURL(new RegExp(`room=${room.id}&message=\\d+`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText(roomName);
  const target = messages(page).locator('li[aria-current="true"]');
  await expect(target).toContainText(tag);
  await expect(target).toBeInViewport();
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, "search-jump.png") });
  // The newest messages are not loaded: the list is a window around the result.
  await expect(messages(page).getByText("filler message 90", { exact: true })).toHaveCount(0);

  await page.getByRole("button", { name: "Jump to the newest messages ↓" }).click();
  await expect(messages(page).getByText("filler message 90", { exact: true })).toBeInViewport();
  await expect(page.getByRole("button", { name: "Jump to the newest messages ↓" })).toHaveCount(0);
});
