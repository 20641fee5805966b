// After a failed browser-test run: each failure's test and error again, last, so that a log
// kept only by its tail (CI's) still says what failed and why. Reads Playwright's
// error-context.md files (their page snapshot, which follows the error, is left out).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const dir = path.resolve(process.argv[2] ?? "test-results");
const contexts = (existsSync(dir) ? readdirSync(dir, { recursive: true }) : [])
  .map(String)
  .filter((file) => path.basename(file) === "error-context.md")
  .sort();
for (const file of contexts) {
  const text = readFileSync(path.join(dir, file), "utf8");
  const start = text.indexOf("# Test info");
  const snapshot = text.indexOf("```yaml", start);
  process.stdout.write(`${text.slice(start < 0 ? 0 : start, snapshot < 0 ? undefined : snapshot).trim()}\n\n`);
}
process.stdout.write(`${contexts.length} failure(s) above, from ${dir}\n`);
