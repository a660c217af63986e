import type { Locator } from "@playwright/test";
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
  await expect(link).toHaveAttribute("rel", "noopener noreferrer nofollow ugc");
  await expect(link).toHaveAttribute("target", "_blank");
  await expect(message.getByTestId("message-content")).toHaveText(
    "see https://example.com/docs?page=2. and javascript:alert(1)",
  );
});

/** Where the `index`th character of an element's text is drawn, from the left of the page. */
function charLeft(element: Locator, index: number): Promise<number> {
  return element.evaluate((node, at) => {
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    let offset = at;
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const length = text.textContent?.length ?? 0;
      if (offset < length) {
        const range = document.createRange();
        range.setStart(text, offset);
        range.setEnd(text, offset + 1);
        return range.getBoundingClientRect().left;
      }
      offset -= length;
    }
    throw new Error(`no character ${at}`);
  }, index);
}

/** Whether `before` is drawn left of `after` inside `element` (both searched in its text). */
async function readsLeftToRight(element: Locator, before: string, after: string): Promise<boolean> {
  const text = (await element.textContent()) ?? "";
  return (await charLeft(element, text.indexOf(before))) < (await charLeft(element, text.indexOf(after)));
}

// Guards issue 16: a right-to-left override made "…/files/\u202Egnp.exe for the picture"
// display as "…/files/erutcip eht rof exe.png".
test("a right-to-left override cannot disguise where a link goes, nor reorder the rest of the message", async ({ owner, visitor, room }) => {
  await openRoom(owner, room);
  await openRoom(visitor, room);

  await sendMessage(owner, "see https://example.com/files/\u202egnp.exe for the picture");
  await sendMessage(owner, "\u202eflipped? https://example.com/docs and after");

  const disguised = messageWith(visitor, "for the picture");
  const link = disguised.getByRole("link");
  await expect(link).toHaveText("https://example.com/files/gnp.exe");
  await expect(link).toHaveAttribute("href", "https://example.com/files/%E2%80%AEgnp.exe");
  expect(await readsLeftToRight(link, "gnp", ".exe")).toBe(true);
  const content = disguised.getByTestId("message-content");
  expect(await readsLeftToRight(content, "for", "picture")).toBe(true);

  // An override in the text before a link is isolated in its own part: the link and the
  // text after it still read left to right.
  const flipped = messageWith(visitor, "and after");
  expect(await readsLeftToRight(flipped.getByRole("link"), "https", "docs")).toBe(true);
  expect(await readsLeftToRight(flipped.getByTestId("message-content"), "and", "after")).toBe(true);
});
