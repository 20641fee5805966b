import { apiSignUp, composer, expect, messages, signUp, test, uniqueName } from "./fixtures";

test("after a server restart the page reconnects and shows what was sent meanwhile, once", async ({
  page,
  backend,
  request,
}) => {
  await signUp(page, uniqueName("stayer"));
  // The room header's badge (the banner under the app header also speaks of reconnecting).
  const badge = page.getByRole("status").and(page.locator("[data-status]"));
  const banner = page.getByTestId("connection-banner");
  await expect(badge).toHaveText("Connected");

  const senderToken = await apiSignUp(request, uniqueName("bot"));
  const post = async (body: string) => {
    const res = await request.post("/api/v1/rooms/1/messages", {
      headers: { Authorization: `Bearer ${senderToken}` },
      data: { body },
    });
    expect(res.status()).toBe(201);
  };
  await post("before the restart");
  await expect(messages(page).getByText("before the restart")).toBeVisible();

  await backend.kill("SIGKILL");
  await expect(badge).toHaveText(/Reconnecting|Offline/);
  await expect(banner).toContainText("Messages you send will go when we're back.");

  await backend.launch();
  // Sent right away: the page is most likely still waiting out its backoff, so this
  // arrives through the `since` replay rather than live.
  await post("sent while the page was disconnected");
  await expect(badge).toHaveText("Connected", { timeout: 30_000 });
  await expect(banner).toHaveText("");
  await expect(messages(page).getByText("sent while the page was disconnected")).toHaveCount(1);

  await post("after the reconnect");
  await expect(messages(page).getByText("after the reconnect")).toHaveCount(1);
  await expect(messages(page).getByText("before the restart")).toHaveCount(1);
});

test("a message written while the server is down counts down its retries and goes once it is back, once", async ({
  page,
  backend,
}) => {
  await signUp(page, uniqueName("patient"));
  const badge = page.getByRole("status").and(page.locator("[data-status]"));
  await expect(badge).toHaveText("Connected");
  // The room has loaded (the socket may connect before its first page has come).
  await expect(messages(page)).toHaveAttribute("aria-busy", "false");

  await backend.kill("SIGKILL");
  await expect(badge).toHaveText(/Reconnecting|Offline/);
  const body = uniqueName("written offline ");
  await composer(page).fill(body);
  await composer(page).press("Enter");
  // Neither the socket nor HTTP can take it: it says when it tries again.
  const waiting = messages(page).locator("li[data-client-id]").filter({ hasText: body });
  await expect(waiting.getByText(/^Retrying in \d+s$/)).toBeVisible();
  await expect(waiting.getByText("No connection.")).toBeVisible();

  await backend.launch();
  await expect(badge).toHaveText("Connected", { timeout: 30_000 });
  await expect(messages(page).locator("li[data-message-id]").filter({ hasText: body })).toHaveCount(1, { timeout: 30_000 });
  await expect(messages(page).locator("li[data-client-id]")).toHaveCount(0);
  // Stored once, however often it was tried.
  await page.reload();
  await expect(messages(page).locator("li[data-message-id]").filter({ hasText: body })).toHaveCount(1);
});
