import { mkdirSync } from "node:fs";
import path from "node:path";

import { composer, expect, messages, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

test("bold, code and a link typed by one person are formatted for the other", async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await signUp(alice, uniqueName("writer"));
  await signUp(bob, uniqueName("reader"));
  await expect(bob.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  const tag = uniqueName("fmt");
  await composer(alice).fill(
    `**Release ${tag}** is out: run \`make deploy\` and read [the notes](https://example.com/notes).\n\n- fast\n- _safe_\n\n> quoted`,
  );
  await composer(alice).press("Enter");

  const onBob = messages(bob).getByRole("listitem").filter({ hasText: `Release ${tag}` }).first();
  await expect(onBob.locator("strong").filter({ hasText: `Release ${tag}` })).toBeVisible();
  await expect(onBob.locator("code")).toHaveText("make deploy");
  const link = onBob.getByRole("link", { name: "the notes" });
  await expect(link).toHaveAttribute("href", "https://example.com/notes");
  await expect(link).toHaveAttribute("target", "_blank");
  await expect(link).toHaveAttribute("rel", "noopener noreferrer");
  await expect(onBob.locator("em")).toHaveText("safe");
  await expect(onBob.locator("blockquote")).toHaveText("quoted");
  // The markup itself is not shown.
  await expect(onBob).not.toContainText("**");

  // The sender sees it formatted too once the server has it.
  const onAlice = messages(alice).locator("li[data-message-id]").filter({ hasText: `Release ${tag}` });
  await expect(onAlice.locator("code")).toHaveText("make deploy");

  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await bob.screenshot({ path: path.join(SCREENSHOT_DIR, "formatting.png") });
});
