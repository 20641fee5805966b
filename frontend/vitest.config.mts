import { defineConfig } from "vitest/config";

// No React plugin needed: JSX is compiled by esbuild following tsconfig's "react-jsx".
export default defineConfig({
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./tests/setup.ts"],
    include: ["tests/**/*.test.{ts,tsx}"],
  },
});
