// typescript-eslint 8.x supports TypeScript < 6.1 only, which is why the project pins
// typescript 5.9.3 rather than the 7.x native port (it has no JS API for linters).
import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".next/",
      "out/",
      "test-results/",
      "playwright-report/",
      "next-env.d.ts",
      // Written by `npm run gen:types` (openapi-typescript); `npm run check:types` guards them.
      "lib/generated/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    // React rules for the app and its unit tests; Playwright's fixtures also call a `use`
    // that is not React's, so e2e/ is left out.
    files: ["components/**", "pages/**", "lib/**", "tests/**"],
    ...reactHooks.configs.flat.recommended,
  },
  {
    files: ["components/**", "pages/**", "lib/**"],
    plugins: { "@next/next": nextPlugin },
    rules: nextPlugin.configs.recommended.rules,
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-console": ["error", { allow: ["warn", "error"] }],
    },
  },
  {
    languageOptions: {
      globals: { ...globals.browser, ...globals.node },
    },
  },
);
