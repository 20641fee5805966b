// Whole tasks done with the keyboard alone (issue 14): switching rooms with Ctrl+K, editing one's
// last message with Up, reacting to a message from its toolbar. Only keys are pressed once the
// page is open; what is checked is what a person sees and where the focus is, found by role and
// label.

import type { Locator, Page } from "@playwright/test";

import { apiToken, composer, expect, messages, signUp, test, uniqueName } from "./fixtures";
import { call, send, signUpActor, type Actor } from "./ui-data";

const heading = (page: Page) => page.getByRole("heading", { level: 1 });
const messageItem = (page: Page, text: string) => messages(page).getByRole("listitem").filter({ hasText: text });
const hasFocus = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);
const holdsFocus = (locator: Locator) => locator.evaluate((el) => el.contains(document.activeElement));

/** The person signed up in the browser (the composer has the focus), and the same person for REST calls. */
async function signedIn(page: Page, request: Parameters<typeof apiToken>[0], prefix: string): Promise<Actor> {
  const username = uniqueName(prefix);
  await signUp(page, username);
  await expect(page.getByRole("status").filter({ hasText: "Connected" }).first()).toBeVisible();
  return { username, token: await apiToken(request, username) };
}

test("Ctrl+K, part of a room's name, Enter: that room opens with the focus in its composer", async ({ page, request }) => {
  const me = await signedIn(page, request, "switcher");
  const target = `${uniqueName("roadmap")}-planning`;
  const room = await call<{ id: number }>(request, me, "POST", "/rooms", { name: target, is_private: false });
  await call(request, me, "POST", "/rooms", { name: uniqueName("other"), is_private: false });
  await expect(page.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: target })).toBeVisible();
  await expect(heading(page)).toContainText("general");
  await expect(composer(page)).toBeFocused();

  await page.keyboard.press("Control+k");
  const switcher = page.getByRole("dialog", { name: "Switch room" });
  await expect(switcher.getByRole("combobox", { name: "Room or person" })).toBeFocused();
  // Part of the name, from its middle: "-plann".
  await page.keyboard.type("-plann");
  await expect(switcher.getByRole("option")).toHaveCount(1);
  await expect(switcher.getByRole("option").first()).toContainText(target);
  await page.keyboard.press("Enter");

  await expect(switcher).toHaveCount(0);
  await expect(heading(page)).toContainText(target);
  await expect(page).toHaveURL(new RegExp(`room=${room.id}`));
  await expect(composer(page)).toBeFocused();
  // It is that room's composer: what is typed now is said there.
  await page.keyboard.type("Typed without touching the mouse");
  await page.keyboard.press("Enter");
  await expect(messageItem(page, "Typed without touching the mouse")).toBeVisible();
  await expect(messages(page).getByText("Sending…")).toHaveCount(0);
  const history = await call<{ messages: { body: string }[] }>(request, me, "GET", `/chat/history?room_id=${room.id}`);
  expect(history.messages.map((m) => m.body)).toEqual(["Typed without touching the mouse"]);
});

test("Up in the empty composer edits the last own message: its text, the caret at the end, Enter saves", async ({ page, request }) => {
  const me = await signedIn(page, request, "editor");
  const other = await signUpActor(request, uniqueName("chatty"));
  const room = await call<{ id: number; name: string }>(request, me, "POST", "/rooms", { name: uniqueName("edits"), is_private: false });
  await call(request, other, "POST", `/rooms/${room.id}/join`);
  await page.goto(`/chat/?room=${room.id}`);
  await expect(heading(page)).toContainText(room.name);
  await expect(composer(page)).toBeFocused();

  await page.keyboard.type("The first draft");
  await page.keyboard.press("Enter");
  await page.keyboard.type("See you at 10");
  await page.keyboard.press("Enter");
  await expect(messageItem(page, "See you at 10")).toBeVisible();
  await expect(messages(page).getByText("Sending…")).toHaveCount(0);
  // Someone else spoke last: Up still finds the person's own newest message.
  await send(request, other, room.id, "Sounds good");
  await expect(messageItem(page, "Sounds good")).toBeVisible();
  await expect(composer(page)).toBeFocused();
  await expect(composer(page)).toHaveValue("");

  await page.keyboard.press("ArrowUp");
  const editBox = messageItem(page, "See you at 10").getByRole("textbox");
  await expect(editBox).toBeFocused();
  await expect(editBox).toHaveValue("See you at 10");
  const caret = await editBox.evaluate((el: HTMLTextAreaElement | HTMLInputElement) => [el.selectionStart, el.selectionEnd, el.value.length]);
  expect(caret).toEqual([13, 13, 13]);

  // Typed at the caret: the end of the text.
  await page.keyboard.type(":30 instead");
  await page.keyboard.press("Enter");
  const edited = messageItem(page, "See you at 10:30 instead");
  await expect(edited).toBeVisible();
  await expect(edited).toContainText("(edited)");
  await expect(edited.getByRole("textbox")).toHaveCount(0);
  await expect(messageItem(page, "The first draft")).not.toContainText("(edited)");
  // The focus stays in the room (not dropped on the page's body).
  expect(await holdsFocus(page.getByRole("main"))).toBe(true);
  // Saved on the server, not just on screen.
  const history = await call<{ messages: { body: string; edited_at: string | null }[] }>(
    request,
    me,
    "GET",
    `/chat/history?room_id=${room.id}`,
  );
  expect(history.messages.find((m) => m.body === "See you at 10:30 instead")?.edited_at).not.toBeNull();
});

test("reacting with the keyboard: Tab to the list, arrows to a message, its toolbar's react button, an emoji", async ({ page, request }) => {
  const me = await signedIn(page, request, "reactor");
  const friend = await signUpActor(request, uniqueName("friend"));
  const room = await call<{ id: number; name: string }>(request, me, "POST", "/rooms", { name: uniqueName("reacts"), is_private: false });
  await call(request, friend, "POST", `/rooms/${room.id}/join`);
  const green = await send(request, friend, room.id, "The build is green again");
  await send(request, friend, room.id, "Lunch?");
  await page.goto(`/chat/?room=${room.id}`);
  await expect(messageItem(page, "Lunch?")).toBeVisible();
  await expect(composer(page)).toBeFocused();

  // Back from the composer to the list: its one tab stop is the newest message.
  const newest = messageItem(page, "Lunch?");
  for (let i = 0; i < 10 && !(await hasFocus(newest)); i++) {
    await page.keyboard.press("Shift+Tab");
  }
  await expect(newest).toBeFocused();

  await page.keyboard.press("ArrowUp");
  const target = messageItem(page, "The build is green again");
  await expect(target).toBeFocused();
  // Tab goes on into that message's controls: its toolbar's react button.
  const react = target.getByRole("group", { name: "Message actions" }).getByRole("button", { name: "Add reaction" });
  for (let i = 0; i < 5 && !(await hasFocus(react)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(react).toBeFocused();
  await expect(react).toBeVisible();

  await page.keyboard.press("Enter");
  const picker = page.getByRole("dialog", { name: "Pick a reaction" });
  await expect(picker.getByRole("searchbox", { name: "Search emoji" })).toBeFocused();
  await page.keyboard.type("party popper");
  await page.keyboard.press("ArrowDown");
  await expect(picker.getByRole("button", { name: "party popper" })).toBeFocused();
  await page.keyboard.press("Enter");

  await expect(picker).toHaveCount(0);
  const chip = target.getByRole("group", { name: "Reactions" }).getByRole("button", { name: /^🎉 1 person/ });
  await expect(chip).toBeVisible();
  await expect(chip).toHaveAttribute("aria-pressed", "true");
  // The focus comes back to the message, not to the top of the page.
  expect(await holdsFocus(target)).toBe(true);
  const reactions = await call<{ emoji: string; users: { username: string }[] }[]>(request, friend, "GET", `/messages/${green.id}/reactions`);
  expect(reactions).toEqual([{ emoji: "🎉", users: [expect.objectContaining({ username: me.username })] }]);
});
