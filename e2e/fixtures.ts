// Two people, each in their own browser context (own cookies, own socket),
// and a room name no other test uses.
import { test as base, type Page } from "@playwright/test";

export interface ChatFixtures {
  /** The first person in the test (a fresh guest until the test signs them in). */
  owner: Page;
  /** A second, independent person. */
  visitor: Page;
  /** A room name unique to this test run. */
  room: string;
}

// Fixture callbacks name their second argument `provide`, not `use`: the React
// hooks lint rule would take `use(...)` for React's hook.
export const test = base.extend<ChatFixtures>({
  room: async ({}, provide, testInfo) => {
    await provide(uniqueRoomName(testInfo.title));
  },
  owner: async ({ browser }, provide) => {
    const context = await browser.newContext();
    await provide(await context.newPage());
    await context.close();
  },
  visitor: async ({ browser }, provide) => {
    const context = await browser.newContext();
    await provide(await context.newPage());
    await context.close();
  },
});

export { expect } from "@playwright/test";

function uniqueRoomName(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `e2e-${slug}-${Date.now().toString(36)}${randomSuffix(3)}`;
}

export function randomSuffix(length = 6): string {
  return Math.random()
    .toString(36)
    .slice(2, 2 + length)
    .padEnd(length, "0");
}
