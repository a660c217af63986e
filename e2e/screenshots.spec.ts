// Not an assertion of looks: pictures of the main pages at phone and desktop
// widths, light and dark, for people to look at (test-results/screenshots/).
// It does check that nothing overflows sideways.
import type { Page } from "@playwright/test";
import { chooseGuestNameViaApi, openRoom, registerViaApi, sendMessage } from "./chat";
import { expect, randomSuffix, test } from "./fixtures";

const SIZES = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;
const SCHEMES = ["light", "dark"] as const;

async function shoot(page: Page, name: string) {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} at ${size.width}px overflows sideways`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `test-results/screenshots/${name}-${size.width}-${colorScheme}.png` });
    }
  }
}

test("screenshots of the room page", async ({ owner, visitor, room }) => {
  await registerViaApi(owner, `ada_${randomSuffix(4)}`, "correct horse battery");
  await chooseGuestNameViaApi(visitor, `guest_${randomSuffix(4)}`);
  await openRoom(owner, room);
  await openRoom(visitor, room);

  await sendMessage(visitor, "Hi! Is this the place to talk about the release?");
  await sendMessage(owner, "It is. The notes are at https://example.com/releases/2026-11 if you want to read ahead.");
  await sendMessage(visitor, "Thanks.\nTwo questions:\n- does it need Node 22?\n- is Redis required?");
  await sendMessage(owner, "Node 20 works, and Redis is only for running several nodes. Averyveryveryverylongwordthatmustwrapinsteadofoverflowingthemessagecolumn.");
  await expect(owner.getByTestId("message")).toHaveCount(4);

  await shoot(owner, "room");

  // A guest on a phone with the members panel (and the guest-name form) open.
  await visitor.setViewportSize(SIZES[1]);
  await visitor.getByRole("button", { name: "In the room (2)" }).click();
  await expect(visitor.getByLabel("Guest name")).toBeVisible();
  for (const colorScheme of SCHEMES) {
    await visitor.emulateMedia({ colorScheme });
    await visitor.screenshot({ path: `test-results/screenshots/room-members-390-${colorScheme}.png` });
  }
});

test("screenshots of the home page", async ({ owner, visitor, room }) => {
  await openRoom(owner, room);
  await visitor.goto("/");
  await expect(visitor.getByRole("link", { name: new RegExp(room) })).toBeVisible({ timeout: 12_000 });
  await shoot(visitor, "home");
});

test("screenshots of the sign-in page", async ({ owner: page }) => {
  await page.goto("/login");
  await page.getByLabel("Username").fill("nobody_here");
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("form").getByRole("alert")).toBeVisible();
  await shoot(page, "login");
});

test("screenshots of the rooms sidebar with unread and mention badges", async ({ owner, visitor, room }) => {
  const me = `ada_${randomSuffix(4)}`;
  await registerViaApi(owner, me, "correct horse battery");
  await chooseGuestNameViaApi(visitor, `guest_${randomSuffix(4)}`);
  const other = `${room}-design`;
  await openRoom(owner, other);
  await openRoom(owner, room);
  await openRoom(visitor, other);
  await sendMessage(visitor, "Did anyone try the new build?");
  await sendMessage(visitor, `@${me} could you have a look?`);
  await expect(owner.getByTestId("mention-badge")).toHaveText("@1");

  await shoot(owner, "rooms-sidebar");

  // At phone width the rooms are a drawer behind the "Rooms" button.
  await owner.setViewportSize(SIZES[1]);
  await owner.getByRole("button", { name: /^Rooms/ }).click();
  for (const colorScheme of SCHEMES) {
    await owner.emulateMedia({ colorScheme });
    await owner.screenshot({ path: `test-results/screenshots/rooms-drawer-390-${colorScheme}.png` });
  }
});

test("screenshots of a conversation: reply, reactions, pin, code, edited and deleted", async ({ owner, visitor, room }) => {
  test.slow(); // two people set up a conversation, then eight pictures and the picker's
  const ownerName = `ada_${randomSuffix(4)}`;
  await registerViaApi(owner, ownerName, "correct horse battery");
  await registerViaApi(visitor, `kim_${randomSuffix(4)}`, "correct horse battery");
  // The first registered user to join owns the room (and may pin).
  await openRoom(owner, room);
  const path = `/api/rooms/${encodeURIComponent(room)}/messages`;
  const send = async (page: Page, content: string, replyTo?: number) => {
    const response = await page.request.post(path, { data: { content, ...(replyTo ? { replyTo } : {}) } });
    expect(response.status(), await response.text()).toBe(201);
    return ((await response.json()) as { message: { seq: number } }).message.seq;
  };
  const change = async (page: Page, method: "put" | "patch" | "delete", route: string, data?: object) => {
    const response = await page.request[method](`${path}/${route}`, data ? { data } : {});
    expect(response.status(), await response.text()).toBe(200);
  };

  const question = await send(visitor, "Has anyone tried the **new build**? It feels _much_ faster ~~than the last one~~.");
  const code = await send(owner, "Yes: sending with a reply is one call now.\n```ts\nconst { message } = await chat.send({ room: \"lobby\", content: \"hello\", replyTo: 41 });\nconsole.log(message.seq, message.replyTo); // a long line that must scroll inside the block, never the page\n```");
  await change(owner, "put", `${code}/pin`);
  const reply = await send(visitor, "Nice. Does `replyTo` work across rooms?\n> no, same room only\n- the quote shows above\n- clicking it scrolls", code);
  for (const [page, emoji] of [[owner, "👍"], [visitor, "👍"], [owner, "🎉"], [visitor, "❤️"]] as const) {
    await change(page, "put", `${reply}/reactions/${encodeURIComponent(emoji)}`);
  }
  const typo = await send(visitor, "helo evryone");
  await change(visitor, "patch", String(typo), { content: "hello everyone (fixed the typo)" });
  const regret = await send(owner, "this one I take back");
  await change(owner, "delete", String(regret));
  await send(visitor, `@${ownerName} the notes are at https://example.com/releases/2026-11/conversation-layer-notes-with-a-long-path`, question);

  await expect(owner.getByTestId("message")).toHaveCount(6);
  await expect(owner.getByTestId("message-deleted")).toHaveCount(1);
  await expect(owner.getByTestId("message-edited")).toHaveCount(1);
  await shoot(owner, "conversation");

  // The reaction picker open on a phone, light and dark.
  await owner.setViewportSize(SIZES[1]);
  const replyMessage = owner.getByTestId("message").filter({ hasText: "Does replyTo work" });
  await replyMessage.hover();
  await replyMessage.getByRole("group", { name: /^Message #/ }).getByRole("button", { name: "React", exact: true }).click();
  for (const colorScheme of SCHEMES) {
    await owner.emulateMedia({ colorScheme });
    const overflow = await owner.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, "the reaction picker at 390px overflows sideways").toBeLessThanOrEqual(0);
    await owner.screenshot({ path: `test-results/screenshots/conversation-picker-390-${colorScheme}.png` });
  }
});
