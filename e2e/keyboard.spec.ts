import type { Locator, Page } from "@playwright/test";
import { composer, expectConnected, messageWith } from "./chat";
import { expect, test } from "./fixtures";

/** Presses Tab until `target` has the focus, as a keyboard user would. */
async function tabTo(page: Page, target: Locator, maxPresses = 20): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`could not reach ${target} with ${maxPresses} presses of Tab`);
}

test("a keyboard alone opens a room and sends a message", async ({ owner: page, room }) => {
  await page.goto("/");
  await tabTo(page, page.getByLabel("Room name"));
  await page.keyboard.type(room);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(`/rooms/${room}`);
  await expectConnected(page);

  await tabTo(page, composer(page));
  await page.keyboard.type("typed without a mouse");
  await page.keyboard.press("Enter");
  await expect(messageWith(page, "typed without a mouse")).toHaveCount(1);
  await expect(composer(page)).toBeFocused();
});
