import { apiToken, composer, createRoom, expect, messages, signUp, test, uniqueName } from "./fixtures";

// Two messages at once, then one every 5 s (a token bucket: docs/api.md, Rate limits).
test.use({ backendEnv: { MESSAGE_RATE_LIMIT: "2/10s" } });

test("a burst over the rate limit waits out the countdown and arrives whole, in order", async ({ page, request }) => {
  test.setTimeout(90_000);
  const name = uniqueName("eager");
  await signUp(page, name);
  const roomName = uniqueName("burst");
  await createRoom(page, roomName);
  const box = composer(page);
  const bodies = ["burst 1", "burst 2", "burst 3", "burst 4"];
  for (const body of bodies) {
    await box.fill(body);
    await box.press("Enter");
  }

  // The third is refused by the server: it counts down, the fourth waits behind it.
  const log = messages(page);
  const third = log.locator("li[data-client-id]").filter({ hasText: "burst 3" });
  await expect(third.getByText(/^Retrying in \d+s$/)).toBeVisible();
  await expect(third.getByText("Too many messages at once.")).toBeVisible();
  await expect(log.locator("li[data-client-id]").filter({ hasText: "burst 4" }).getByText("Waiting to send")).toBeVisible();

  // Then both go by themselves, one after the other (about 10 s): all of them, in order.
  await expect(log.locator("li[data-client-id]")).toHaveCount(0, { timeout: 30_000 });
  const shown = await log.locator("li[data-message-id] .message-body").allTextContents();
  expect(shown).toEqual(bodies);

  // Stored in that order, each once.
  const token = await apiToken(request, name);
  const auth = { Authorization: `Bearer ${token}` };
  const rooms = (await (await request.get("/api/v1/rooms", { headers: auth })).json()) as { id: number; name: string }[];
  const room = rooms.find((r) => r.name === roomName);
  expect(room).toBeDefined();
  const history = await request.get(`/api/v1/chat/history?room_id=${room?.id}`, { headers: auth });
  const stored = ((await history.json()) as { messages: { body: string }[] }).messages.map((m) => m.body);
  expect(stored).toEqual(bodies);
});
