// When the server ends a session, the login page says why instead of just appearing.

import type { APIRequestContext, Page } from "@playwright/test";

import { ADMIN, apiToken, expect, signUp, test, uniqueName } from "./fixtures";

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function connected(page: Page): Promise<void> {
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
}

async function userId(request: APIRequestContext, adminToken: string, username: string): Promise<number> {
  const res = await request.get("/api/v1/admin/users", { headers: bearer(adminToken), params: { limit: 200, offset: 0 } });
  expect(res.status()).toBe(200);
  const user = ((await res.json()) as { id: number; username: string }[]).find((u) => u.username === username);
  expect(user).toBeDefined();
  return user?.id ?? -1;
}

test("a device signed out from another one lands on the login page saying so", async ({ page, request }) => {
  const name = uniqueName("elsewhere");
  await signUp(page, name);
  await connected(page);

  // The same person, from another device (this test), signs the browser's device out.
  const other = bearer(await apiToken(request, name));
  const list = await request.get("/api/v1/sessions", { headers: other });
  expect(list.status()).toBe(200);
  const browserDevices = ((await list.json()) as { id: number; current: boolean }[]).filter((s) => !s.current);
  expect(browserDevices).toHaveLength(1);
  const res = await request.delete(`/api/v1/sessions/${browserDevices[0]?.id ?? -1}`, { headers: other });
  expect(res.status()).toBe(204);

  await expect(page).toHaveURL(/\/login\/$/);
  await expect(
    page.getByRole("status").filter({ hasText: "You were signed out because this device was signed out from another device." }),
  ).toBeVisible();

  // Said once: the login page opened again later has no stale reason.
  await page.reload();
  await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
  await expect(page.getByRole("status")).toHaveCount(0);
});

test("a deactivated account lands on the login page saying so", async ({ page, request }) => {
  const name = uniqueName("deact");
  await signUp(page, name);
  await connected(page);

  const admin = await apiToken(request, ADMIN.username, ADMIN.password);
  const id = await userId(request, admin, name);
  const res = await request.patch(`/api/v1/admin/users/${id}`, { headers: bearer(admin), data: { is_active: false } });
  expect(res.status()).toBe(200);

  await expect(page).toHaveURL(/\/login\/$/);
  await expect(page.getByRole("status").filter({ hasText: "Your account has been deactivated." })).toBeVisible();
});

test("logging out on purpose shows the login page without a reason", async ({ page }) => {
  await signUp(page, uniqueName("leaver"));
  await connected(page);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\/$/);
  await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
  await expect(page.getByRole("status")).toHaveCount(0);
});
