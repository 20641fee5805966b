// Scrolling back through a long room (issue 14): 500 messages, loaded a page at a time as the
// reader reaches the top. Each time an older page goes in above, the message the reader was
// looking at must stay where it was on screen (within 2 px), in every frame, until the first
// message of the room is reached.

import { apiToken, expect, messages, signUp, test, uniqueName } from "./fixtures";
import { call, send, signUpActor } from "./ui-data";

const MESSAGES = 500;
const MAX_JUMP_PX = 2;

/** Varied bodies, so the rows have varied heights: one line, several, a list, a code block. */
function body(n: number): string {
  if (n % 11 === 0) return `Message ${n}: a snippet\n\`\`\`\nconst n = ${n};\nconsole.log(n * 2);\n\`\`\``;
  if (n % 7 === 0) return `Message ${n}: several lines\nsecond line\nthird line`;
  if (n % 5 === 0) return `Message ${n}: a **list**\n- one\n- two`;
  return `Message ${n}: ${"lorem ipsum ".repeat(1 + (n % 4) * 6).trim()}`;
}

/** What one load of older messages did to the view, measured in the page. */
interface LoadMeasure {
  /** The messages shown before and after the load. */
  countBefore: number;
  countAfter: number;
  /** Where the list was scrolled to (from its top) to have the older page loaded. */
  scrollTo: number;
  anchor: string;
  /** The anchor's text's distance from the top of the list before the load. */
  before: number;
  /** Right after the older page went into the DOM (a MutationObserver, before it is painted). */
  onInsert: number[];
  /** Every animation frame from the start until a few frames after the insertion. */
  frames: number[];
}

test("500 messages scroll back smoothly: no jump over 2 px as each older page loads, down to the first", async ({ page, request }) => {
  test.setTimeout(180_000);
  const readerName = uniqueName("reader");
  await signUp(page, readerName);
  const alice = await signUpActor(request, uniqueName("alice"));
  const bob = await signUpActor(request, uniqueName("bob"));
  const room = await call<{ id: number }>(request, alice, "POST", "/rooms", { name: uniqueName("history"), is_private: false });
  await call(request, bob, "POST", `/rooms/${room.id}/join`);
  const reader = { username: readerName, token: await apiToken(request, readerName) };
  await call(request, reader, "POST", `/rooms/${room.id}/join`);
  // One at a time, so that ids follow the numbers (the e2e backend has no message rate limit).
  let last = { id: 0 };
  for (let n = 1; n <= MESSAGES; n++) {
    // Runs of a few messages each: some rows start a group (name, avatar), others continue it.
    last = await send(request, n % 6 < 3 ? alice : bob, room.id, body(n));
  }
  // All read: the room opens at its newest message (not at a "New messages" divider).
  await call(request, reader, "POST", `/rooms/${room.id}/read`, { message_id: last.id });

  await page.goto(`/chat/?room=${room.id}`);
  const log = messages(page);
  await expect(log.getByText(`Message ${MESSAGES}:`)).toBeInViewport();
  const shown = log.locator("li[data-message-id]");

  const measures: LoadMeasure[] = [];
  for (let load = 0; load < MESSAGES; load++) {
    if ((await log.getByText("Message 1: ", { exact: false }).count()) > 0) break;
    const countBefore = await shown.count();
    // Scroll to the top of what is loaded (or near it: the browser's own scroll anchoring is off
    // at the very top, on below it); the anchor is the first message in view. Measured in the
    // page, in the same task as the scroll, so that no load can come in between.
    const scrollTo = load % 2 === 0 ? 0 : 40;
    const measure = await log.evaluate(
      (el, { countBefore, scrollTo }) =>
        new Promise<LoadMeasure | string>((resolve) => {
          const items = () => el.querySelectorAll<HTMLElement>("li[data-message-id]");
          el.scrollTop = scrollTo;
          const box = el.getBoundingClientRect();
          const anchor = Array.from(items()).find((item) => item.getBoundingClientRect().top >= box.top);
          if (!anchor) return resolve("no message in view at the top");
          // Where its words are ("Message N: …"), not the row's top edge: a row that now
          // continues the group above loses its name line, and its text rightly stays put.
          const walker = document.createTreeWalker(anchor, NodeFilter.SHOW_TEXT, (node) =>
            node.textContent?.startsWith("Message ") ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP,
          );
          const words = walker.nextNode();
          if (!words) return resolve("the message in view has no text");
          const range = document.createRange();
          range.selectNodeContents(words);
          const top = () => range.getBoundingClientRect().top - el.getBoundingClientRect().top;
          const result: LoadMeasure = {
            countBefore,
            countAfter: countBefore,
            scrollTo,
            anchor: (words.textContent ?? "").replace(/\s+/g, " ").slice(0, 30),
            before: top(),
            onInsert: [],
            frames: [],
          };
          const observer = new MutationObserver(() => {
            if (!anchor.isConnected) return;
            result.onInsert.push(top());
          });
          observer.observe(el, { childList: true, subtree: true });
          let framesAfter = -1;
          const deadline = performance.now() + 15_000;
          const sample = () => {
            if (!anchor.isConnected) {
              observer.disconnect();
              return resolve(`the anchor (${result.anchor}) left the DOM`);
            }
            result.frames.push(top());
            const count = items().length;
            if (count > countBefore && framesAfter < 0) framesAfter = 0;
            if (framesAfter >= 0) framesAfter += 1;
            // A few frames after the insertion: the view has settled (resize observers, the
            // "Load older" button going away, a second render).
            if (framesAfter > 5) {
              observer.disconnect();
              result.countAfter = count;
              return resolve(result);
            }
            if (performance.now() > deadline) {
              observer.disconnect();
              return resolve(`no older messages came within 15 s (${count} shown)`);
            }
            requestAnimationFrame(sample);
          };
          requestAnimationFrame(sample);
        }),
      { countBefore, scrollTo },
    );
    if (typeof measure === "string") throw new Error(`load ${load + 1}: ${measure}`);
    measures.push(measure);
  }

  const jumps = measures.map((m) => {
    const after = [...m.onInsert, ...m.frames];
    return Math.max(0, ...after.map((top) => Math.abs(top - m.before)));
  });
  const report = measures
    .map((m, i) => `load ${i + 1}: ${m.countBefore} → ${m.countAfter} messages (scrolled to ${m.scrollTo} px), "${m.anchor}" at ${m.before.toFixed(1)} px, moved up to ${jumps[i]?.toFixed(1)} px`)
    .join("\n");
  const summary = `largest jump ${Math.max(...jumps).toFixed(2)} px over ${measures.length} loads`;
  await test.info().attach("scroll-back measurements", { body: `${summary}\n${report}\n`, contentType: "text/plain" });
  process.stdout.write(`scroll-back: ${summary}\n${report}\n`);

  // Every page came: 50 at first, then all 500.
  expect(measures.length).toBeGreaterThanOrEqual(9);
  expect(await shown.count()).toBe(MESSAGES);
  for (const [i, jump] of jumps.entries()) {
    expect(jump, `load ${i + 1} moved the message being read by ${jump} px\n${report}`).toBeLessThanOrEqual(MAX_JUMP_PX);
  }

  // The top of the room: the first message, nothing more to load.
  await log.evaluate((el) => (el.scrollTop = 0));
  await expect(log.getByText("Message 1: ", { exact: false })).toBeInViewport();
  await expect(log.getByRole("button", { name: "Load older messages" })).toHaveCount(0);
});
