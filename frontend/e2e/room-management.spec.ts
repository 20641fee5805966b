// Managing a room from its header and member list: the owner renames it and sets its topic
// (members see it at once), removes someone (their page lets go of the room at once), and anyone
// leaves a room and can join a public one again.

import { mkdirSync } from "node:fs";
import path from "node:path";

import type { Page } from "@playwright/test";

import { composer, expect, signUp, test, uniqueName, createRoom } from "./fixtures";

const SCREENSHOT_DIR = path.join(__dirname, "..", "test-results", "screenshots");

async function connected(page: Page): Promise<void> {
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
}

test("the owner renames a room, sets its topic and removes a member; members see it live", async ({ browser }) => {
  const owner = await (await browser.newContext()).newPage();
  const member = await (await browser.newContext()).newPage();
  const memberName = uniqueName("member");
  await signUp(owner, uniqueName("owner"));
  await signUp(member, memberName);

  const roomName = uniqueName("plans");
  await createRoom(owner, roomName);
  await expect(owner.getByRole("heading", { level: 1 })).toContainText(roomName);
  await connected(owner);

  // The member joins it from the list of public rooms (read when the page opens, or gets the focus
  // back: no frame announces new public rooms).
  await member.reload();
  await connected(member);
  await member.getByRole("navigation", { name: "Rooms" }).getByRole("button", { name: `Join ${roomName}` }).click();
  await expect(member.getByRole("heading", { level: 1 })).toContainText(roomName);
  await expect(member.getByText("2 members")).toBeVisible();
  await expect(member.getByRole("button", { name: "Room settings" })).toHaveCount(0);
  // No frame tells the room who joins it: the owner's member list learns of the member when they
  // first type or write there.
  await composer(member).fill("Hello, I am in");
  await composer(member).press("Enter");
  await expect(owner.getByRole("region", { name: /Online/ }).getByText(memberName)).toBeVisible();
  await expect(owner.getByText("2 members")).toBeVisible();

  // Renamed, with a topic: the member's header and room list follow.
  const newName = uniqueName("trips");
  await owner.getByRole("button", { name: "Room settings" }).click();
  const settings = owner.getByRole("form", { name: "Room settings" });
  await expect(settings.getByLabel("Name")).toBeFocused();
  await settings.getByLabel("Name").fill(newName);
  await settings.getByLabel("Topic").fill("Where we go next");
  await settings.getByRole("button", { name: "Save" }).click();
  await expect(settings).toHaveCount(0);
  await expect(owner.getByRole("heading", { level: 1 })).toContainText(newName);
  await expect(member.getByRole("heading", { level: 1 })).toContainText(newName);
  await expect(member.getByText("Where we go next")).toBeVisible();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await owner.screenshot({ path: path.join(SCREENSHOT_DIR, "room-managed.png") });
  await expect(member.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: newName })).toBeVisible();
  await expect(member).toHaveTitle(new RegExp(`^${newName} · Chat$`));

  // Removed: the member's page lets go of the room, says why, and puts the focus on the room it shows now.
  await owner.getByRole("button", { name: `Remove ${memberName}` }).click();
  await owner.getByRole("button", { name: "Yes, remove" }).click();
  await expect(owner.getByRole("region", { name: /Members/ }).getByText(memberName)).toHaveCount(0);
  await expect(owner.getByText("1 member")).toBeVisible();
  await expect(member.getByRole("status").filter({ hasText: `You were removed from ${newName}.` })).toBeVisible();
  await expect(member.getByRole("heading", { level: 1 })).toContainText("general");
  await expect(member.getByRole("heading", { level: 1 })).toBeFocused();
  await expect(member.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: newName })).toHaveCount(0);
});

test("leaving a room takes it out of one's list, and a public one can be joined again", async ({ page }) => {
  await signUp(page, uniqueName("leaver"));
  await connected(page);
  const rooms = page.getByRole("navigation", { name: "Rooms" });
  const roomName = uniqueName("brief");
  await createRoom(page, roomName);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(roomName);

  await page.getByRole("button", { name: `Leave ${roomName}` }).click();
  await expect(page.getByRole("button", { name: "Yes, leave" })).toBeFocused();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("button", { name: `Leave ${roomName}` })).toBeFocused();

  await page.getByRole("button", { name: `Leave ${roomName}` }).click();
  await page.getByRole("button", { name: "Yes, leave" }).click();
  await expect(page.getByRole("status").filter({ hasText: `You left ${roomName}.` })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("general");
  await expect(rooms.getByRole("link", { name: roomName })).toHaveCount(0);

  await rooms.getByRole("button", { name: `Join ${roomName}` }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(roomName);
  await expect(rooms.getByRole("link", { name: roomName })).toHaveAttribute("aria-current", "page");
});
