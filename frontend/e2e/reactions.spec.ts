import { mkdirSync } from "node:fs";
import path from "node:path";

import { composer, expect, messages, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

test("a reaction is seen live by the other person, with counts and who reacted", async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await signUp(alice, uniqueName("alice"));
  await signUp(bob, uniqueName("bob"));
  for (const page of [alice, bob]) await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  const text = `React to this ${uniqueName("msg")}`;
  await composer(alice).fill(text);
  await composer(alice).press("Enter");
  const onBob = messages(bob).getByRole("listitem").filter({ hasText: text });
  const onAlice = messages(alice).getByRole("listitem").filter({ hasText: text });
  await expect(onBob).toBeVisible();

  // Bob adds 🎉 from the emoji picker (laid over the page, not inside the message); Alice sees it at once.
  await onBob.getByRole("button", { name: "Add reaction" }).click();
  const picker = bob.getByRole("dialog", { name: "Pick a reaction" });
  await picker.getByRole("searchbox", { name: "Search emoji" }).fill("party popper");
  await picker.getByRole("button", { name: "party popper", exact: true }).click();
  await expect(picker).toBeHidden();
  await expect(onBob.getByRole("button", { name: "🎉 1 person, including you" })).toHaveAttribute("aria-pressed", "true");
  const aliceChip = onAlice.getByRole("button", { name: /^🎉 1 person$/ });
  await expect(aliceChip).toBeVisible();
  await expect(aliceChip).toHaveAttribute("aria-pressed", "false");

  // Alice joins in by pressing the chip: both see two, each with their own "me".
  await aliceChip.click();
  await expect(onAlice.getByRole("button", { name: "🎉 2 people, including you" })).toBeVisible();
  await expect(onBob.getByRole("button", { name: "🎉 2 people, including you" })).toBeVisible();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await alice.screenshot({ path: path.join(SCREENSHOT_DIR, "reactions.png") });

  // Bob takes his back: Alice's count drops, her own reaction stays hers.
  await onBob.getByRole("button", { name: "🎉 2 people, including you" }).click();
  await expect(onAlice.getByRole("button", { name: "🎉 1 person, including you" })).toBeVisible();
  await expect(onBob.getByRole("button", { name: /^🎉 1 person$/ })).toHaveAttribute("aria-pressed", "false");

  // A reload shows the same, from the server.
  await bob.reload();
  await expect(messages(bob).getByRole("listitem").filter({ hasText: text }).getByRole("button", { name: /^🎉 1 person$/ })).toBeVisible();
});
