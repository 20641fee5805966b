import { defineConfig } from "@playwright/test";

// Debian's Chromium, never a downloaded browser (`npx playwright install` is not used).
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  // One backend per worker and tests that restart it: run serially.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: {
    timeout: 10_000,
    // Screenshot comparisons (e2e/screenshots.spec.ts): no moving parts, no blinking caret.
    toHaveScreenshot: { animations: "disabled", caret: "hide", scale: "css" },
  },
  // The baselines live in the repository, one set for every platform: the browser (Debian's
  // Chromium) and the fonts (Debian's packages, see .ci/run) are the same wherever they run.
  snapshotPathTemplate: "{testDir}/__screenshots__/{testFilePath}/{arg}{ext}",
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    browserName: "chromium",
    headless: true,
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
      ],
    },
  },
});
