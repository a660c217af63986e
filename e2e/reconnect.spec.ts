import { composer, connectionStatus, expectConnected, messageWith, openRoom } from "./chat";
import { expect, test } from "./fixtures";

test("while the connection is down, Send waits and the draft is kept", async ({ owner: page, room }) => {
  await openRoom(page, room);
  const send = page.getByRole("button", { name: "Send" });

  await page.context().setOffline(true);
  await expect(connectionStatus(page)).not.toHaveAttribute("data-state", "connected");
  await expect(connectionStatus(page)).toContainText(/Reconnecting|Cannot reach/);
  await composer(page).fill("written while offline");
  await composer(page).press("Enter");
  await expect(send).toBeDisabled();
  await expect(composer(page)).toHaveValue("written while offline");

  await page.context().setOffline(false);
  await expectConnected(page);
  await send.click();
  await expect(composer(page)).toHaveValue("");
  await expect(messageWith(page, "written while offline")).toHaveCount(1);
});
