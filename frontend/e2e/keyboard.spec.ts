import { apiSignUp, apiToken, composer, createRoom, expect, messages, signUp, test, uniqueName } from "./fixtures";

test("keyboard: Ctrl+K switches to a DM, Alt+Down moves rooms, the skip link focuses the composer", async ({ page, request }) => {
  const me = uniqueName("keys");
  const friend = uniqueName("zed");
  await signUp(page, me);
  await apiSignUp(request, friend);
  // A direct room with the friend, made over the API; the socket lists it in the sidebar.
  const token = await apiToken(request, me);
  const dm = await request.post("/api/v1/dm", { headers: { Authorization: `Bearer ${token}` }, data: { username: friend } });
  expect(dm.ok()).toBeTruthy();
  const rooms = page.getByRole("navigation", { name: "Rooms" });
  await expect(rooms.getByRole("link", { name: friend })).toBeVisible();

  // The composer has the focus once the room is open.
  await expect(page.getByRole("heading", { level: 1 })).toContainText("general");
  await expect(composer(page)).toBeFocused();

  // Ctrl+K, part of the name, Enter: the DM opens (and its composer takes the focus).
  await page.keyboard.press("Control+k");
  const switcher = page.getByRole("dialog", { name: "Switch room" });
  await expect(switcher).toBeVisible();
  await expect(switcher.getByRole("combobox", { name: "Room or person" })).toBeFocused();
  await page.keyboard.type(friend.slice(0, 3));
  await expect(switcher.getByRole("option").first()).toContainText(friend);
  await page.keyboard.press("Enter");
  await expect(switcher).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`@ ${friend}`);
  await expect(composer(page)).toBeFocused();

  // Esc closes the switcher without going anywhere.
  await page.keyboard.press("Control+k");
  await expect(switcher).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(switcher).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`@ ${friend}`);

  // Alt+Up/Down follow the sidebar's order: rooms (aaa…, general), then direct messages.
  const first = `aaa${uniqueName("r")}`;
  await createRoom(page, first);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(first);
  await page.keyboard.press("Alt+ArrowDown");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("general");
  await page.keyboard.press("Alt+ArrowDown");
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`@ ${friend}`);
  await page.keyboard.press("Alt+ArrowUp");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("general");

  // The skip link is the first thing Tab reaches, and puts the focus in the composer.
  await page.reload();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("general");
  // Tab from the top of the page (focus on the body, as after a click on nothing).
  await page.evaluate(() => {
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute("tabindex");
  });
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to composer" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(composer(page)).toBeFocused();
});

test("Up in the empty composer edits the last own message, caret at the end; Enter saves it", async ({ page }) => {
  await signUp(page, uniqueName("typo"));
  await createRoom(page, uniqueName("edits"));
  const box = composer(page);
  await box.click();
  for (const body of ["an earlier one", "fix the typo hre"]) {
    await box.fill(body);
    await box.press("Enter");
    await expect(messages(page).locator("li[data-message-id]").filter({ hasText: body })).toBeVisible();
  }
  await expect(messages(page).getByText("Sending…")).toHaveCount(0);

  await box.press("ArrowUp");
  const edit = page.getByRole("textbox", { name: "Edit message" });
  await expect(edit).toBeFocused();
  await expect(edit).toHaveValue("fix the typo hre");
  const last = messages(page).locator("li[data-message-id]").last();
  await expect(last.getByRole("textbox", { name: "Edit message" })).toHaveCount(1);
  expect(await edit.evaluate((el: HTMLTextAreaElement) => [el.selectionStart, el.selectionEnd, el.value.length])).toEqual([16, 16, 16]);

  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await page.keyboard.type("ere");
  await page.keyboard.press("Enter");
  await expect(edit).toHaveCount(0);
  await expect(last.locator(".message-body")).toHaveText("fix the typo here");
  await expect(last.getByText("(edited)")).toBeVisible();
  // Back to writing.
  await expect(box).toBeFocused();
  // With text in the box, Up is the caret's.
  await box.fill("no edit now");
  await box.press("ArrowUp");
  await expect(page.getByRole("textbox", { name: "Edit message" })).toHaveCount(0);
});
