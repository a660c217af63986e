import { messages, openRoom, sendMessage } from "./chat";
import { expect, test } from "./fixtures";

test("reloading the room keeps its history", async ({ owner, visitor, room }) => {
  await openRoom(owner, room);
  const sent = ["first message", "second message", "third message"];
  for (const text of sent) await sendMessage(owner, text);

  await owner.reload();
  await expect(owner.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(owner.getByTestId("message-content")).toHaveText(sent);

  // Someone arriving later gets the same history.
  await openRoom(visitor, room);
  await expect(visitor.getByTestId("message-content")).toHaveText(sent);
  await expect(messages(visitor)).toHaveCount(sent.length);
});
