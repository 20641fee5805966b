import { composer, expect, messages, signUp, test, uniqueName } from "./fixtures";

test("a direct conversation starts from the members list and shows under the other person's name", async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  const aliceName = uniqueName("alice");
  const bobName = uniqueName("bob");
  await signUp(alice, aliceName);
  await signUp(bob, bobName);
  await expect(alice.getByRole("region", { name: /Online/ }).getByText(bobName)).toBeVisible();

  await alice.getByRole("button", { name: `Message ${bobName}` }).click();
  await expect(alice.getByRole("heading", { level: 1 })).toContainText(`@ ${bobName}`);
  await expect(alice.getByRole("list", { name: "Direct messages" }).getByRole("link", { name: bobName })).toBeVisible();
  await expect(alice.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await composer(alice).fill("Just between us");
  await composer(alice).press("Enter");
  await expect(messages(alice).getByText("Just between us")).toBeVisible();

  // Bob finds it under Alice's name, with one unread message.
  const dm = bob.getByRole("list", { name: "Direct messages" }).getByRole("link", { name: aliceName });
  await expect(dm.getByTestId("unread-count")).toHaveText("1 unread");
  await dm.click();
  await expect(bob.getByRole("heading", { level: 1 })).toContainText(`@ ${aliceName}`);
  await expect(messages(bob).getByText("Just between us")).toBeVisible();

  // Asking again, from Bob's side this time, opens the same room.
  await alice.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: "general" }).click();
  await bob.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: "general" }).click();
  await bob.getByRole("button", { name: `Message ${aliceName}` }).click();
  await expect(bob.getByRole("heading", { level: 1 })).toContainText(`@ ${aliceName}`);
  await expect(messages(bob).getByText("Just between us")).toBeVisible();
  await expect(bob.getByRole("list", { name: "Direct messages" }).getByRole("link")).toHaveCount(1);
});
