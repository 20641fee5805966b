import { mkdirSync } from "node:fs";
import path from "node:path";

import { apiToken, composer, expect, messages, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

test("a reply quotes its original and jumps back to it, in view or pages back", async ({ page, request }) => {
  const name = uniqueName("replier");
  await signUp(page, name);
  const headers = { Authorization: `Bearer ${await apiToken(request, name)}` };
  const roomName = uniqueName("thread");
  const room = (await (await request.post("/api/v1/rooms", { headers, data: { name: roomName } })).json()) as { id: number };
  const tag = uniqueName("orig");
  const original = (await (
    await request.post(`/api/v1/rooms/${room.id}/messages`, { headers, data: { body: `The **original** question ${tag}` } })
  ).json()) as { id: number };

  await page.goto(`/chat/?room=${room.id}`);
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  const originalItem = messages(page).locator(`li[data-message-id="${original.id}"]`);

  // Reply from the message's own button (keyboard: it is a button like any other).
  await originalItem.getByRole("button", { name: `Reply to ${name}` }).focus();
  await page.keyboard.press("Enter");
  const replying = page.getByRole("group", { name: "Reply" });
  await expect(replying).toContainText(`Replying to ${name}: The original question ${tag}`);
  await expect(composer(page)).toBeFocused();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, "reply-composing.png") });
  // Esc cancels, the button starts it again.
  await composer(page).press("Escape");
  await expect(replying).toHaveCount(0);
  await originalItem.getByRole("button", { name: `Reply to ${name}` }).click();
  await composer(page).fill("first answer");
  await composer(page).press("Enter");
  await expect(replying).toHaveCount(0);
  const firstAnswer = messages(page).locator("li[data-message-id]").filter({ hasText: "first answer" });
  await expect(firstAnswer.getByRole("button", { name: /In reply to/ })).toContainText(`The original question ${tag}`);

  // The server stored it as a reply.
  const stored = (await (await request.get(`/api/v1/chat/history?room_id=${room.id}`, { headers })).json()) as {
    messages: { body: string; reply_to: { id: number } | null }[];
  };
  expect(stored.messages.find((m) => m.body === "first answer")?.reply_to?.id).toBe(original.id);

  // Many messages later (live, so still loaded but far out of view), another reply.
  for (let i = 1; i <= 60; i += 1) {
    await request.post(`/api/v1/rooms/${room.id}/messages`, { headers, data: { body: `filler ${i}` } });
  }
  await request.post(`/api/v1/rooms/${room.id}/messages`, { headers, data: { body: `late answer ${tag}`, reply_to: original.id } });
  const late = messages(page).locator("li[data-message-id]").filter({ hasText: `late answer ${tag}` });
  await expect(late).toBeInViewport();
  await expect(originalItem).not.toBeInViewport();
  await late.getByRole("button", { name: /In reply to/ }).click();
  await expect(originalItem).toBeInViewport();
  await expect(originalItem).toHaveAttribute("aria-current", "true");
  await expect(originalItem).toBeFocused();
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, "reply-jump.png") });

  // After a reload only the newest page is loaded: the jump opens the room at the original.
  await page.reload();
  await expect(late).toBeVisible();
  await expect(originalItem).toHaveCount(0);
  await late.getByRole("button", { name: /In reply to/ }).click();
  await expect(page).toHaveURL(new RegExp(`room=${room.id}&message=${original.id}`));
  await expect(originalItem).toBeInViewport();
  await expect(originalItem).toHaveAttribute("aria-current", "true");
  await expect(originalItem).toBeFocused();
  await expect(messages(page).getByText(`late answer ${tag}`)).toHaveCount(0); // a window around it

  // The original deleted: its replies say so.
  expect((await request.delete(`/api/v1/messages/${original.id}`, { headers })).status()).toBe(204);
  await expect(firstAnswer.locator(".reply-quote")).toContainText("Original message deleted");
});
