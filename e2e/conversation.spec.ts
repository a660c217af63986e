// Two people in one room: edit, delete, reply, react and pin, each seen on both pages.
import { type Locator, type Page } from "@playwright/test";
import { composer, identityBar, messages, openRoom, registerViaApi, sendMessage } from "./chat";
import { expect, randomSuffix, test } from "./fixtures";

const PASSWORD = "correct horse battery";

/** The message's own controls (they show on hover or focus). */
async function act(message: Locator, action: string): Promise<void> {
  await message.hover();
  await message.getByRole("group", { name: /^Message #/ }).getByRole("button", { name: action, exact: true }).click();
}

/** The message whose own text holds `text` (a reply's quote of it does not count). */
function said(page: Page, text: string): Locator {
  return messages(page).filter({ has: page.getByTestId("message-content").filter({ hasText: text }) });
}

function reaction(message: Locator, emoji: string): Locator {
  return message.getByTestId("reaction").filter({ hasText: emoji });
}

async function twoPeople(owner: Page, visitor: Page, room: string): Promise<{ ownerName: string }> {
  const ownerName = `own${randomSuffix(5)}`;
  await registerViaApi(owner, ownerName, PASSWORD);
  // The first registered user to join owns the room: the owner opens it first.
  await openRoom(owner, room);
  await registerViaApi(visitor, `kim${randomSuffix(5)}`, PASSWORD);
  await openRoom(visitor, room);
  return { ownerName };
}

test("two people edit, delete, reply, react and pin, and both pages follow", async ({ owner, visitor, room }) => {
  test.slow(); // two pages through five operations and a third page at phone width
  const { ownerName } = await twoPeople(owner, visitor, room);

  // Edit: the author fixes a typo; both pages show the new text marked (edited).
  await sendMessage(owner, "helo wrld");
  await act(said(owner, "helo wrld"), "Edit");
  const editor = owner.getByRole("textbox", { name: "Edit your message" });
  await editor.fill("hello world");
  await editor.press("Enter");
  for (const page of [owner, visitor]) {
    await expect(said(page, "hello world").getByTestId("message-edited")).toBeVisible();
    await expect(said(page, "helo wrld")).toHaveCount(0);
  }
  // Someone else's message offers no Edit.
  await said(visitor, "hello world").hover();
  await expect(said(visitor, "hello world").getByRole("button", { name: "Edit", exact: true })).toHaveCount(0);

  // Reply: the quote of the original stands above the reply on both pages.
  await act(said(visitor, "hello world"), "Reply");
  await expect(visitor.getByTestId("reply-bar")).toContainText("hello world");
  await expect(composer(visitor)).toBeFocused();
  await sendMessage(visitor, "hello to you too");
  await expect(visitor.getByTestId("reply-bar")).toHaveCount(0);
  for (const page of [owner, visitor]) {
    const quote = said(page, "hello to you too").getByTestId("reply-quote");
    await expect(quote).toContainText(ownerName);
    await expect(quote).toContainText("hello world");
  }

  // React: chips with counts, who reacted on hover; pressing a chip joins in or takes it back.
  await act(said(owner, "hello to you too"), "React");
  await owner.getByRole("button", { name: "React with 👍" }).click();
  const chip = reaction(said(visitor, "hello to you too"), "👍");
  await expect(chip).toContainText("1");
  await expect(chip).toHaveAttribute("title", ownerName);
  await expect(chip).toHaveAttribute("aria-pressed", "false");
  await chip.click();
  await expect(chip).toContainText("2");
  await expect(chip).toHaveAttribute("aria-pressed", "true");
  await expect(reaction(said(owner, "hello to you too"), "👍")).toContainText("2");
  await chip.click();
  await expect(reaction(said(owner, "hello to you too"), "👍")).toContainText("1");

  // Delete: a reply to a message deleted later shows its quote as "message deleted".
  await sendMessage(visitor, "a message I regret");
  await act(said(owner, "a message I regret"), "Reply");
  await sendMessage(owner, "what do you mean?");
  await act(said(visitor, "a message I regret"), "Delete");
  await visitor.getByRole("button", { name: "Yes, delete" }).click();
  for (const page of [owner, visitor]) {
    await expect(said(page, "a message I regret")).toHaveCount(0);
    await expect(page.getByTestId("message-deleted")).toHaveCount(1);
    await expect(said(page, "what do you mean?").getByTestId("reply-quote")).toContainText("message deleted");
  }

  // Pin: the owner pins; both pages mark it and list it in the side panel; the visitor may not pin.
  await said(visitor, "hello world").hover();
  await expect(said(visitor, "hello world").getByRole("button", { name: "Pin", exact: true })).toHaveCount(0);
  await act(said(owner, "hello world"), "Pin");
  for (const page of [owner, visitor]) {
    await expect(said(page, "hello world").getByTestId("message-pinned")).toBeVisible();
    await expect(page.getByTestId("pinned-list")).toContainText("hello world");
  }
  await visitor.getByTestId("pinned-list").getByRole("button", { name: /hello world/ }).click();
  await expect(messages(visitor).and(visitor.locator('[aria-current="true"]'))).toContainText("hello world");
  // How it looks with a pin, a message's actions shown, desktop and phone width (looked at, not asserted).
  await said(visitor, "hello to you too").hover();
  await visitor.screenshot({ path: "test-results/screenshots/conversation-1280.png", fullPage: true });
  const phone = await visitor.context().newPage();
  await phone.setViewportSize({ width: 390, height: 800 });
  await openRoom(phone, room);
  await expect(said(phone, "hello world")).toBeVisible();
  await phone.screenshot({ path: "test-results/screenshots/conversation-390.png", fullPage: true });
  await phone.close();
  await act(said(owner, "hello world"), "Unpin");
  await expect(visitor.getByTestId("pinned-list")).toHaveCount(0);

});

test("a reply's quote brings back an original older than the page holds", async ({ visitor, room, request }) => {
  test.slow();
  const total = 130; // more than the live window (HISTORY_WINDOW, 100)
  for (let n = 1; n <= total; n++) {
    const response = await request.post(`/api/rooms/${encodeURIComponent(room)}/messages`, { data: { content: `old message ${n}` } });
    expect(response.status(), await response.text()).toBe(201);
  }
  const reply = await request.post(`/api/rooms/${encodeURIComponent(room)}/messages`, { data: { content: "about the very first one", replyTo: 1 } });
  expect(reply.status(), await reply.text()).toBe(201);
  await openRoom(visitor, room);
  const quote = said(visitor, "about the very first one").getByTestId("reply-quote");
  await expect(quote).toContainText("message #1");
  await quote.click();
  const focused = messages(visitor).and(visitor.locator('[aria-current="true"]'));
  await expect(focused).toHaveAttribute("data-seq", "1");
  await expect(focused).toBeInViewport();
  await expect(quote).toContainText("old message 1");
});

test("two guests both named anon: one's reaction is never the other's own", async ({ owner: first, visitor: second, room }) => {
  test.slow(); // two pages, four reactions, each waited for on both
  await openRoom(first, room);
  await openRoom(second, room);
  await expect(identityBar(first)).toContainText("anon");
  await expect(identityBar(second)).toContainText("anon");
  await sendMessage(second, "who reacted to this?");

  await act(said(first, "who reacted to this?"), "React");
  await first.getByRole("button", { name: "React with 👍" }).click();
  const theirs = reaction(said(second, "who reacted to this?"), "👍");
  const mine = reaction(said(first, "who reacted to this?"), "👍");
  await expect(theirs).toContainText("1");
  await expect(theirs).toHaveAttribute("aria-pressed", "false");
  await expect(mine).toHaveAttribute("aria-pressed", "true");
  // Who reacted names the guest with its tag, as the member list does.
  await expect(theirs).toHaveAttribute("title", /^anon·\d{4}$/);

  // The second anon joins in, then the first takes its own back: each chip follows its own person.
  await theirs.click();
  await expect(theirs).toContainText("2");
  await expect(theirs).toHaveAttribute("aria-pressed", "true");
  await expect(mine).toHaveAttribute("aria-pressed", "true");
  await mine.click();
  await expect(mine).toContainText("1");
  await expect(mine).toHaveAttribute("aria-pressed", "false");
  await expect(theirs).toContainText("1");
  await expect(theirs).toHaveAttribute("aria-pressed", "true");
});
