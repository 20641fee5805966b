import { mkdirSync } from "node:fs";
import path from "node:path";

import { composer, expect, messages, signUp, test, uniqueName } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

test("an image pasted into the composer is uploaded and shown to the other person; a file goes as a link", async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await signUp(alice, uniqueName("painter"));
  await signUp(bob, uniqueName("viewer"));
  for (const page of [alice, bob]) await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  // A screenshot on the clipboard: a PNG drawn in the page, pasted into the message box.
  const imageName = `${uniqueName("sketch")}.png`;
  await composer(alice).focus();
  await alice.evaluate(async (name) => {
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 400;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no 2d context");
    const gradient = ctx.createLinearGradient(0, 0, 640, 400);
    gradient.addColorStop(0, "#2458d6");
    gradient.addColorStop(1, "#ff9f1a");
    ctx.fillStyle = gradient;
    ctx.fillRect(0, 0, 640, 400);
    ctx.fillStyle = "#ffffff";
    ctx.font = "bold 48px sans-serif";
    ctx.fillText("Pasted!", 220, 215);
    const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("no blob"))), "image/png"));
    const data = new DataTransfer();
    data.items.add(new File([blob], name, { type: "image/png" }));
    const target = document.activeElement;
    if (!(target instanceof HTMLTextAreaElement)) throw new Error("the message box is not focused");
    target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, imageName);

  const chips = alice.getByRole("list", { name: "Files to send" });
  await expect(chips.getByRole("listitem").filter({ hasText: imageName })).toContainText("Ready");
  await composer(alice).fill("Here is the sketch");
  await composer(alice).press("Enter");
  await expect(chips).toHaveCount(0);

  // Bob sees the thumbnail, laid out at its size, loaded from its signed URL.
  const message = messages(bob).locator("li[data-message-id]").filter({ hasText: "Here is the sketch" });
  const image = message.getByRole("img", { name: imageName });
  await expect(image).toBeVisible();
  await expect(image).toHaveAttribute("src", /\/api\/v1\/files\/\d+\/thumb\?exp=\d+&sig=/);
  await expect(image).toHaveAttribute("width", "320");
  await expect(image).toHaveAttribute("height", "200");
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  // It links to the full image, in a new tab.
  const full = message.getByRole("link", { name: imageName });
  await expect(full).toHaveAttribute("href", /\/api\/v1\/files\/\d+\/content\?exp=\d+&sig=/);
  await expect(full).toHaveAttribute("target", "_blank");

  // A file that is not an image, chosen with the Attach button, with no words: its name is the text.
  const fileName = `${uniqueName("notes")}.txt`;
  const chooser = alice.waitForEvent("filechooser");
  await alice.getByRole("button", { name: "Attach files" }).click();
  await (await chooser).setFiles({ name: fileName, mimeType: "text/plain", buffer: Buffer.from("minutes of the meeting\n".repeat(40)) });
  await expect(chips.getByRole("listitem").filter({ hasText: fileName })).toContainText("Ready");
  await alice.getByRole("button", { name: "Send" }).click();
  const fileMessage = messages(bob).locator("li[data-message-id]").filter({ has: bob.getByRole("link", { name: new RegExp(fileName) }) });
  await expect(fileMessage.getByRole("link", { name: new RegExp(fileName) })).toContainText("(920 bytes)");
  await expect(fileMessage.getByRole("img")).toHaveCount(0);

  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await bob.screenshot({ path: path.join(SCREENSHOT_DIR, "image-message.png") });
});
