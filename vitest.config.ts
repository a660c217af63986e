import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: ["lib/**/*.test.ts", "server/**/*.test.ts", "app/**/*.test.ts", "bin/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
