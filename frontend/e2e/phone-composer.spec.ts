import { composer, expect, messages, signUp, test, uniqueName } from "./fixtures";

// A phone: its touch screen is the main pointer, `(pointer: coarse)` (lib/use-media-query.ts).
test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });

test("on a phone Return makes a new line and the Send button sends", async ({ page }) => {
  await signUp(page, uniqueName("thumbs"));
  const [first, second] = [uniqueName("first line "), uniqueName("second line ")];
  const box = composer(page);
  await box.tap();
  await page.keyboard.type(first);
  await page.keyboard.press("Enter");
  await page.keyboard.type(second);
  await expect(box).toHaveValue(`${first}\n${second}`);
  await expect(messages(page).getByText(first)).toHaveCount(0); // nothing sent

  const send = page.getByRole("button", { name: "Send" });
  await expect(send).toBeInViewport();
  await send.tap();
  await expect(box).toHaveValue("");
  const sent = messages(page).locator("li[data-message-id]").filter({ hasText: second }).locator(".message-body");
  await expect(sent).toHaveCount(1);
  // One message of two lines (toHaveText would fold the line break into a space).
  expect(await sent.evaluate((el) => el.textContent)).toBe(`${first}\n${second}`);
});
