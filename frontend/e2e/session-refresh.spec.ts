// A refresh whose answer never reaches the page (a reload while POST /token/refresh is in
// flight) must not sign the person out: the next page presents the same refresh token again,
// which the server already rotated. The backend's grace (REFRESH_REUSE_GRACE_SECONDS) answers
// that one repeat with a new pair; without it this test ends on the login page.

import { composer, expect, signUp, test, uniqueName } from "./fixtures";

const REFRESH = "**/api/v1/token/refresh";

test("reloading twice while the token refresh is in flight keeps the user signed in", async ({ page }) => {
  await signUp(page, uniqueName("reloader"));
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  // The first refresh reaches the server, which spends the stored token and issues a new pair,
  // but the answer is held back from the page, as if the page were reloaded before it arrived.
  let held = false;
  let serverAnswered!: (status: number) => void;
  const rotated = new Promise<number>((resolve) => (serverAnswered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(REFRESH, async (route) => {
    if (held) return route.fallback();
    held = true;
    const response = await route.fetch();
    serverAnswered(response.status());
    await released;
    // The page that asked is gone by now; its request was cancelled with it.
    await route.abort().catch(() => undefined);
  });

  // First reload: the new page restores the session with the stored refresh token.
  await page.reload();
  expect(await rotated).toBe(200);
  // Its answer (the rotated token) never arrives: the stored one is now spent on the server.
  const stored = await page.evaluate(() => localStorage.getItem("chat.refresh_token"));
  expect(stored).not.toBeNull();

  // Second reload, while that refresh is still pending: the spent token is presented again.
  const repeated = page.waitForResponse((res) => res.url().endsWith("/api/v1/token/refresh"));
  await page.reload();
  const answer = await repeated;
  expect(answer.request().postDataJSON()).toEqual({ refresh_token: stored });
  expect(answer.status()).toBe(200);
  release();

  // Still signed in, on the chat page, connected.
  await expect(composer(page)).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await expect(page).toHaveURL(/\/chat\/$/);

  // The pair the repeat got is a working one: one more reload refreshes with it.
  const next = await page.evaluate(() => localStorage.getItem("chat.refresh_token"));
  expect(next).not.toBe(stored);
  const again = page.waitForResponse((res) => res.url().endsWith("/api/v1/token/refresh"));
  await page.reload();
  expect((await again).status()).toBe(200);
  await expect(composer(page)).toBeVisible();
  await expect(page).toHaveURL(/\/chat\/$/);
});
