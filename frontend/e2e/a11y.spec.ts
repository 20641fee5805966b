// Every page and the chat page's main states, checked by axe (WCAG 2.1 A and AA) in the light
// and the dark theme, at desktop (1280x800) and phone (390x844) width: no violation anywhere.

import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

import { ADMIN, composer, expect, logIn, messages, test, uniqueName } from "./fixtures";
import { CONVERSATION, seedWorkspace, type Workspace } from "./ui-data";

const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

type AxeResults = Awaited<ReturnType<AxeBuilder["analyze"]>>;

/** One line a rule, then each element it failed on (selector and what to fix). No line starts
 *  with "at ": Playwright would take it for a stack frame and move it out of the message. */
function describeViolations(violations: AxeResults["violations"]): string {
  return violations
    .map((violation) => {
      const nodes = violation.nodes.map((node) => {
        const summary = (node.failureSummary ?? "").replace(/\s*\n\s*/g, " ");
        return `    - ${node.target.join(" >> ")}: ${summary}`;
      });
      return `  ${violation.id} (${violation.impact ?? "?"}): ${violation.help} [${violation.helpUrl}]\n${nodes.join("\n")}`;
    })
    .join("\n");
}

/** Runs axe over the page as it is; a violation fails the test (softly: every state is still checked). */
async function checkPage(page: Page, state: string): Promise<void> {
  await test.step(`axe: ${state}`, async () => {
    const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
    const count = results.violations.length;
    expect.soft(count, `${state}: ${count} axe violation(s)\n${describeViolations(results.violations)}`).toBe(0);
  });
}

const THEMES = ["light", "dark"] as const;
const WIDTHS = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;

let workspace: Workspace;

test.beforeAll(async ({ playwright, backend }) => {
  const request = await playwright.request.newContext({ baseURL: backend.url });
  const tag = uniqueName("");
  workspace = await seedWorkspace(request, {
    viewer: `axereader${tag}`,
    friend: `axefriend${tag}`,
    colleague: `axecolleague${tag}`,
    suffix: `-${tag}`,
  });
  await request.dispose();
});

const roomLink = (page: Page, name: string | RegExp) => page.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name });

for (const theme of THEMES) {
  for (const width of WIDTHS) {
    test.describe(`${theme} theme, ${width.name}`, () => {
      test.use({ colorScheme: theme, viewport: width.viewport });
      const phone = width.name === "phone";

      test("guest pages: landing, login, signup", async ({ page }) => {
        await page.goto("/");
        // The landing page sends a guest on to the login form.
        await expect(page).toHaveURL(/\/login\/?$/);
        await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
        await checkPage(page, "landing (/ → /login)");

        await page.goto("/login/");
        await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
        await checkPage(page, "login");

        await page.goto("/signup/");
        await expect(page.getByRole("button", { name: "Sign up" })).toBeVisible();
        await checkPage(page, "signup");
      });

      test("chat: a room, the member panel, a DM, the switcher, the New room dialog; settings", async ({ page }) => {
        await logIn(page, workspace.viewer.username);
        await expect(page).toHaveURL(/\/chat\/?/);
        await page.goto(`/chat/?room=${workspace.review.id}`);
        await expect(messages(page).getByText(CONVERSATION.reply)).toBeVisible();
        await expect(page.getByRole("status").filter({ hasText: "Connected" }).first()).toBeVisible();
        await expect(composer(page)).toBeVisible();

        const members = page.getByRole("button", { name: "Members" });
        const panel = page.getByRole("complementary", { name: "Room details" });
        // Whatever the width's default, both states of the member panel.
        if ((await members.getAttribute("aria-expanded")) === "true") await members.click();
        await expect(members).toHaveAttribute("aria-expanded", "false");
        await checkPage(page, "room with messages, member panel closed");
        await members.click();
        await expect(panel.getByRole("heading", { name: /^Members/ })).toBeVisible();
        await expect(panel.getByText(workspace.friend.username)).toBeVisible();
        await checkPage(page, "room with messages, member panel open");

        if (phone) {
          await page.getByRole("button", { name: /Show rooms/ }).click();
          await expect(roomLink(page, new RegExp(workspace.random.name))).toBeVisible();
          await checkPage(page, "rooms drawer open (unread badges)");
        }
        await roomLink(page, new RegExp(workspace.friend.username)).click();
        await expect(page.getByRole("heading", { level: 1 })).toContainText(workspace.friend.username);
        await expect(messages(page).getByText("Great, thanks")).toBeVisible();
        await checkPage(page, "direct conversation");

        await page.keyboard.press("Control+k");
        const switcher = page.getByRole("dialog", { name: "Switch room" });
        await expect(switcher.getByRole("option").first()).toBeVisible();
        await checkPage(page, "Ctrl+K room switcher open");
        await page.keyboard.press("Escape");
        await expect(switcher).toHaveCount(0);

        if (phone) await page.getByRole("button", { name: /Show rooms/ }).click();
        await page.getByRole("navigation", { name: "Rooms" }).getByRole("button", { name: "New room" }).click();
        const dialog = page.getByRole("dialog", { name: "New room" });
        await expect(dialog.getByLabel("Room name")).toBeFocused();
        await checkPage(page, "New room dialog open");
        await page.keyboard.press("Escape");
        await expect(dialog).toHaveCount(0);

        await page.goto("/settings/");
        await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
        await expect(page.getByRole("list", { name: "Devices" })).toBeVisible();
        await checkPage(page, "settings");
      });

      test("admin page, as an admin: every tab", async ({ page }) => {
        await logIn(page, ADMIN.username, ADMIN.password);
        await expect(page).toHaveURL(/\/chat\/?/);
        await page.goto("/admin/");
        await expect(page.getByRole("heading", { name: "Administration", level: 1 })).toBeVisible();
        const tabs = page.getByRole("tablist", { name: "Administration" });
        for (const tab of ["Overview", "Users", "Rooms", "Audit log"]) {
          await tabs.getByRole("tab", { name: tab }).click();
          const panel = page.getByRole("tabpanel", { name: tab });
          await expect(panel.getByRole("heading", { level: 2 }).first()).toBeVisible();
          // Loaded: the figures, the first rows, the log.
          if (tab === "Overview") await expect(panel.getByText("Online now")).toBeVisible();
          if (tab === "Users" || tab === "Rooms") await expect(panel.getByRole("rowheader").first()).toBeVisible();
          await expect(panel.getByText("Loading…")).toHaveCount(0);
          await checkPage(page, `admin, ${tab} tab`);
        }
      });
    });
  }
}
