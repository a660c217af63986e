import { composer, connectionStatus, expectConnected, messageWith, openRoom, pendingMessages, sendMessage } from "./chat";
import { expect, test } from "./fixtures";

test("a message typed offline shows as pending and is delivered once when the page is back online", async ({
  owner,
  visitor,
  room,
}) => {
  await openRoom(owner, room);
  await openRoom(visitor, room);

  await owner.context().setOffline(true);
  await expect(connectionStatus(owner)).toHaveAttribute("data-state", "disconnected");
  await expect(connectionStatus(owner)).toContainText("Offline");
  await composer(owner).fill("written while offline");
  await composer(owner).press("Enter");
  await expect(composer(owner)).toHaveValue("");
  const pending = pendingMessages(owner).filter({ hasText: "written while offline" });
  await expect(pending).toContainText("Waiting for connection");
  await expect(messageWith(owner, "written while offline")).toHaveCount(0);
  await expect(messageWith(visitor, "written while offline")).toHaveCount(0);

  await owner.context().setOffline(false);
  await expectConnected(owner);
  await expect(pending).toHaveCount(0);
  await expect(messageWith(owner, "written while offline")).toHaveCount(1);
  await expect(messageWith(visitor, "written while offline")).toHaveCount(1);

  // Nothing arrives twice later: a message after it shows up, and it is still there once.
  await sendMessage(visitor, "and the next one");
  await expect(messageWith(owner, "and the next one")).toHaveCount(1);
  await expect(messageWith(owner, "written while offline")).toHaveCount(1);
  await expect(messageWith(visitor, "written while offline")).toHaveCount(1);
});

test("several messages typed offline go out in the order written", async ({ owner: page, room }) => {
  await openRoom(page, room);
  await page.context().setOffline(true);
  await expect(connectionStatus(page)).toHaveAttribute("data-state", "disconnected");
  for (const text of ["first offline", "second offline", "third offline"]) {
    await composer(page).fill(text);
    await composer(page).press("Enter");
  }
  await expect(pendingMessages(page)).toHaveCount(3);

  await page.context().setOffline(false);
  await expect(pendingMessages(page)).toHaveCount(0);
  await expect(page.getByTestId("message-content")).toHaveText(["first offline", "second offline", "third offline"]);
});
