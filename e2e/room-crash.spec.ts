import { E2E_ADMIN_TOKEN } from "./env";
import { messageWith, openRoom, seqOf, sendMessage } from "./chat";
import { expect, test } from "./fixtures";

test("a room crashed mid-chat keeps working with its history on open pages", async ({
  owner,
  visitor,
  room,
  request,
}) => {
  await openRoom(owner, room);
  await openRoom(visitor, room);

  await sendMessage(owner, "sent before the crash");
  await expect(messageWith(visitor, "sent before the crash")).toHaveCount(1);

  const crash = await request.post(`/api/admin/rooms/${encodeURIComponent(room)}/crash`, {
    headers: { Authorization: `Bearer ${E2E_ADMIN_TOKEN}` },
  });
  expect([200, 204], `crash answered ${crash.status()}: ${await crash.text()}`).toContain(crash.status());

  await sendMessage(visitor, "sent after the crash");

  for (const page of [owner, visitor]) {
    await expect(page.getByTestId("message-content")).toHaveText(["sent before the crash", "sent after the crash"]);
  }
  const before = await seqOf(messageWith(owner, "sent before the crash"));
  const after = await seqOf(messageWith(owner, "sent after the crash"));
  expect(after).toBe(before + 1);
  expect(await seqOf(messageWith(visitor, "sent after the crash"))).toBe(after);
});
