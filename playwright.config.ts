// End-to-end tests: a real browser against the real custom server, built for
// production (`npm run build` first; `npm test` does that).
import { defineConfig } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM_ARGS, findChromium } from "./e2e/browser";
import { E2E_ADMIN_TOKEN, E2E_GRPC_PORT, E2E_NODE_NAME, E2E_PORT } from "./e2e/env";

// The config is loaded by the runner and again by every worker; workers inherit
// the runner's environment, so the data dir and secret are made exactly once.
process.env.LIVECHAT_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "livechat-e2e-"));
process.env.LIVECHAT_E2E_SESSION_SECRET ??= randomBytes(36).toString("base64url"); // 48 characters

const baseURL = `http://127.0.0.1:${E2E_PORT}`;

export default defineConfig({
  testDir: "./e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 7_500 },
  reporter: "list",
  globalTeardown: "./e2e/global-teardown.ts",
  use: {
    baseURL,
    browserName: "chromium",
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  webServer: {
    command: "node --import tsx server/index.ts",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      NODE_ENV: "production",
      PORT: String(E2E_PORT),
      GRPC_PORT: String(E2E_GRPC_PORT),
      HOST: "127.0.0.1",
      DATA_DIR: process.env.LIVECHAT_E2E_DATA_DIR,
      ADMIN_TOKEN: E2E_ADMIN_TOKEN,
      SESSION_SECRET: process.env.LIVECHAT_E2E_SESSION_SECRET,
      NODE_NAME: E2E_NODE_NAME,
      // Every browser and seeding request comes from 127.0.0.1, and tests seed rooms over
      // REST faster than a person types: one address's send allowance would not do.
      MESSAGE_RATE: "0",
      // The specs register an account or two each, all from 127.0.0.1.
      REGISTRATIONS_PER_HOUR: "1000",
    },
  },
});
