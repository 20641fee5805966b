import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";

import { BackendServer } from "./backend-server";

export { ADMIN } from "./backend-server";

let counter = 0;
/** A username no other test uses (each run has a fresh database; names only differ within it). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}_${Date.now().toString(36).slice(-4)}`;
}

export const PASSWORD = "correct-horse-42";

export const test = base.extend<object, { backend: BackendServer; backendEnv: Record<string, string> }>({
  // Settings for the backend over the defaults of backend-server.ts, e.g.
  // `test.use({ backendEnv: { MESSAGE_RATE_LIMIT: "2/10s" } })`: such tests get a worker (and a
  // backend) of their own.
  backendEnv: [{}, { scope: "worker", option: true }],
  // One real backend per worker (the config runs one worker), on a fresh data dir.
  backend: [
    async ({ backendEnv }, use) => {
      const server = await BackendServer.start(backendEnv);
      await use(server);
      await server.dispose();
    },
    { scope: "worker", timeout: 60_000 },
  ],
  baseURL: async ({ backend }, use) => {
    await use(backend.url);
  },
});

export { expect };

export async function signUp(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto("/signup/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/chat\/?/);
  await expect(page.getByRole("log", { name: "Messages" })).toBeVisible();
}

export async function logIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto("/login/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** An access token for REST calls made by the test itself. */
export async function apiToken(request: APIRequestContext, username: string, password = PASSWORD): Promise<string> {
  const res = await request.post("/api/v1/token", { form: { username, password } });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function apiSignUp(request: APIRequestContext, username: string, password = PASSWORD): Promise<string> {
  const res = await request.post("/api/v1/signup", { data: { username, password } });
  expect(res.status()).toBe(201);
  return apiToken(request, username, password);
}

export const messages = (page: Page) => page.getByRole("log", { name: "Messages" });

/** The composer. Exact match: "Message" is also a prefix of the log region's name, "Messages". */
export const composer = (page: Page) => page.getByRole("textbox", { name: "Message", exact: true });

/** Creates a room from the sidebar's "+" (New room) dialog. */
export async function createRoom(page: Page, name: string, options: { isPrivate?: boolean } = {}): Promise<void> {
  await page.getByRole("navigation", { name: "Rooms" }).getByRole("button", { name: "New room" }).click();
  const dialog = page.getByRole("dialog", { name: "New room" });
  await dialog.getByLabel("Room name").fill(name);
  if (options.isPrivate) await dialog.getByLabel("Private (invite only)").check();
  await dialog.getByRole("button", { name: "Create room" }).click();
  await expect(dialog).toHaveCount(0);
}
