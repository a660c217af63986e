import { authorOf, chooseGuestNameViaApi, messageWith, openRoom, sendMessage } from "./chat";
import { expect, randomSuffix, test } from "./fixtures";

test("two people in one room see each other's messages without reloading", async ({ owner, visitor, room }) => {
  const ownerName = `ann_${randomSuffix()}`;
  const visitorName = `bob_${randomSuffix()}`;
  await chooseGuestNameViaApi(owner, ownerName);
  await chooseGuestNameViaApi(visitor, visitorName);

  await openRoom(owner, room);
  await openRoom(visitor, room);

  for (const page of [owner, visitor]) {
    const members = page.getByTestId("members");
    await expect(members.getByTestId("member").filter({ hasText: ownerName })).toHaveCount(1);
    await expect(members.getByTestId("member").filter({ hasText: visitorName })).toHaveCount(1);
    await expect(page.getByRole("heading", { name: "In the room (2)" })).toBeVisible();
  }

  await sendMessage(owner, "hello from the owner");
  const onVisitor = messageWith(visitor, "hello from the owner");
  await expect(onVisitor).toHaveCount(1);
  await expect(authorOf(onVisitor)).toHaveText(ownerName);

  await sendMessage(visitor, "hi back from the visitor");
  const onOwner = messageWith(owner, "hi back from the visitor");
  await expect(onOwner).toHaveCount(1);
  await expect(authorOf(onOwner)).toHaveText(visitorName);

  // Every message exactly once on both pages, in the same order.
  for (const page of [owner, visitor]) {
    await expect(page.getByTestId("message-content")).toHaveText(["hello from the owner", "hi back from the visitor"]);
  }
});
