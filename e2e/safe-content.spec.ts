import { messageWith, openRoom, sendMessage } from "./chat";
import { expect, test } from "./fixtures";

test("markup in a message is shown as text, never run", async ({ owner, visitor, room }) => {
  const payload = "<script>window.__pwned=1</script><b>bold</b>";
  await openRoom(owner, room);
  await openRoom(visitor, room);

  await sendMessage(owner, payload);

  for (const page of [owner, visitor]) {
    const message = messageWith(page, "<b>bold</b>");
    await expect(message.getByTestId("message-content")).toHaveText(payload);
    await expect(message.locator("b")).toHaveCount(0);
    await expect(message.locator("script")).toHaveCount(0);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
  }
});

test("a web address in a message becomes a safe link", async ({ owner, visitor, room }) => {
  await openRoom(owner, room);
  await openRoom(visitor, room);

  await sendMessage(owner, "see https://example.com/docs?page=2. and javascript:alert(1)");

  const message = messageWith(visitor, "example.com");
  const link = message.getByRole("link");
  await expect(link).toHaveCount(1);
  await expect(link).toHaveText("https://example.com/docs?page=2");
  await expect(link).toHaveAttribute("href", "https://example.com/docs?page=2");
  await expect(link).toHaveAttribute("rel", "noopener noreferrer nofollow");
  await expect(link).toHaveAttribute("target", "_blank");
  await expect(message.getByTestId("message-content")).toHaveText(
    "see https://example.com/docs?page=2. and javascript:alert(1)",
  );
});
