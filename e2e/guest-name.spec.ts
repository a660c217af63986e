import { authorOf, expectConnected, identityBar, messageWith, openRoom, sendMessage } from "./chat";
import { expect, randomSuffix, test } from "./fixtures";

test("a guest writes as anon until choosing a guest name", async ({ owner: page, room }) => {
  await openRoom(page, room);
  await expect(identityBar(page)).toContainText("Guest: anon");

  await sendMessage(page, "written as anon");
  const first = messageWith(page, "written as anon");
  await expect(authorOf(first)).toHaveText("anon");
  await expect(first.getByText("guest", { exact: true })).toBeVisible();

  const name = `guest_${randomSuffix()}`;
  await page.getByLabel("Guest name").fill(name);
  await page.getByRole("button", { name: "Set name" }).click();
  await expect(identityBar(page)).toContainText(`Guest: ${name}`);
  await expectConnected(page);

  await sendMessage(page, "written with a chosen name");
  const second = messageWith(page, "written with a chosen name");
  await expect(authorOf(second)).toHaveText(name);
  await expect(second.getByText("guest", { exact: true })).toBeVisible();
  // The earlier message keeps the name it was written with.
  await expect(authorOf(first)).toHaveText("anon");
});
