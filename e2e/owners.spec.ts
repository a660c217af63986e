// Rooms with owners in a real browser: an owner sets a topic and appoints a
// moderator, the moderator kicks and then bans a guest who cannot come back (nor,
// banned with its address, by clearing its cookies), a private room refuses a
// stranger and admits an invite link, a read-only room refuses a member's message
// with a sentence. Each person is a browser context of
// their own; the owner and the moderator are registered accounts.
import type { Browser, Page } from "@playwright/test";
import { chooseGuestNameViaApi, composer, connectionStatus, expectConnected, messageWith, openRoom, pendingMessages, registerViaApi, sendMessage } from "./chat";
import { expect, randomSuffix, test } from "./fixtures";

const PASSWORD = "correct horse battery";

// Three or four people and a dozen round trips each: more than the default budget on a busy machine.
test.describe.configure({ timeout: 180_000 });

/** A person in a browser context of their own, closed when the test ends. */
async function person(browser: Browser, closers: Array<() => Promise<void>>): Promise<Page> {
  const context = await browser.newContext();
  closers.push(() => context.close());
  return context.newPage();
}

test.describe("rooms with owners", () => {
  const closers: Array<() => Promise<void>> = [];
  test.afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  function settingsPanel(page: Page) {
    return page.getByTestId("room-settings");
  }

  function settingsButton(page: Page) {
    return page.getByRole("button", { name: "Room settings" });
  }

  async function openSettings(page: Page) {
    await settingsButton(page).click();
    await expect(settingsPanel(page)).toBeVisible();
  }

  function notice(page: Page, text: string) {
    return page.getByTestId("notice").filter({ hasText: text });
  }

  /** Picks a moderation in the settings panel and applies it. */
  async function moderateInPanel(page: Page, action: string, username: string, reason?: string) {
    const panel = settingsPanel(page);
    await panel.getByLabel("Person").fill(username);
    await panel.getByLabel("Action").selectOption(action);
    await panel.getByLabel("Reason").fill(reason ?? "");
    await panel.getByRole("button", { name: "Apply" }).click();
  }

  test("an owner sets the topic and appoints a moderator, who kicks and then bans a guest for good", async ({ owner, visitor: guest, room, browser }) => {
    const ada = `ada_${randomSuffix(4)}`;
    const mia = `mia_${randomSuffix(4)}`;
    const troll = `troll_${randomSuffix(4)}`;
    const moderator = await person(browser, closers);
    await registerViaApi(owner, ada, PASSWORD);
    await registerViaApi(moderator, mia, PASSWORD);
    await chooseGuestNameViaApi(guest, troll);
    await openRoom(owner, room);
    await openRoom(moderator, room);
    await openRoom(guest, room);
    // Only the room's keepers may open its settings.
    await expect(settingsButton(moderator)).toHaveCount(0);
    await expect(settingsButton(guest)).toHaveCount(0);
    await openSettings(owner);

    const topic = "Launch day: read the release notes first";
    await settingsPanel(owner).getByLabel("Topic").fill(topic);
    await settingsPanel(owner).getByRole("button", { name: "Save settings" }).click();
    for (const page of [owner, moderator, guest]) await expect(page.getByTestId("topic")).toHaveText(topic);
    await expect(notice(guest, `${ada} set the topic to "${topic}"`)).toBeVisible();

    await moderateInPanel(owner, "promote", mia);
    await expect(notice(guest, `${ada} made ${mia} a moderator`)).toBeVisible();
    await expect(settingsButton(guest)).toHaveCount(0);

    // A kick: the guest is out of the room at once, and may come back.
    await sendMessage(moderator, `/kick ${troll} too loud`);
    await expect(connectionStatus(guest)).toHaveText(`${mia} removed you from this room (too loud). You may join again.`);
    await expect(notice(owner, `${mia} removed ${troll} from the room (too loud)`)).toBeVisible();
    await guest.getByRole("button", { name: "Reconnect" }).click();
    await expectConnected(guest);
    await sendMessage(guest, "sorry, back and quiet");
    await expect(messageWith(owner, "sorry, back and quiet")).toBeVisible();

    // A ban: out again, and not back: not by reloading, not under another name.
    await openSettings(moderator);
    await moderateInPanel(moderator, "ban", troll, "spam");
    await expect(connectionStatus(guest)).toHaveText(`${mia} banned you from this room (spam).`);
    await expect(guest.getByRole("button", { name: "Reconnect" })).toHaveCount(0);
    await expect(notice(owner, `${mia} banned ${troll} (spam)`)).toBeVisible();
    await guest.reload();
    await expect(connectionStatus(guest)).toHaveText(`You are banned from room "${room}" (spam).`);
    await chooseGuestNameViaApi(guest, `nice_${randomSuffix(4)}`);
    await guest.reload();
    await expect(connectionStatus(guest)).toHaveText(`You are banned from room "${room}" (spam).`);
    await expect(composer(guest)).toBeVisible();

    // The audit log has it all, newest first.
    await settingsPanel(owner).getByRole("tab", { name: "Audit log" }).click();
    const lines = settingsPanel(owner).getByTestId("audit-log").getByRole("listitem");
    await expect(lines).toHaveCount(4);
    await expect(lines.nth(0)).toContainText(`${mia} banned ${troll} (spam)`);
    await expect(lines.nth(1)).toContainText(`${mia} removed ${troll} from the room (too loud)`);
    await expect(lines.nth(2)).toContainText(`${ada} made ${mia} a moderator`);
    await expect(lines.nth(3)).toContainText(`${ada} set the topic to "${topic}"`);
  });

  test("a guest banned with its address does not get back in by clearing its cookies", async ({ owner, visitor: guest, room }) => {
    const ada = `ada_${randomSuffix(4)}`;
    const troll = `troll_${randomSuffix(4)}`;
    await registerViaApi(owner, ada, PASSWORD);
    await chooseGuestNameViaApi(guest, troll);
    await openRoom(owner, room);
    await openRoom(guest, room);
    await openSettings(owner);
    const panel = settingsPanel(owner);
    await panel.getByLabel("Person").fill(troll);
    await panel.getByLabel("Action").selectOption("ban");
    await panel.getByLabel("Also ban their address").check();
    await panel.getByRole("button", { name: "Apply" }).click();
    await expect(connectionStatus(guest)).toHaveText(`${ada} banned you from this room.`);

    // A new guest session and a new name, from the same address: still out.
    await guest.context().clearCookies();
    await chooseGuestNameViaApi(guest, `nice_${randomSuffix(4)}`);
    await guest.goto(`/rooms/${room}`);
    await expect(connectionStatus(guest)).toHaveText(`You are banned from room "${room}".`);
    // The owner, behind the same address, is not.
    await owner.reload();
    await expectConnected(owner);
  });

  test("a private room refuses a stranger and admits whoever holds an invite link", async ({ owner, visitor: stranger, room }) => {
    await registerViaApi(owner, `ada_${randomSuffix(4)}`, PASSWORD);
    await openRoom(owner, room);
    await sendMessage(owner, "the plan, for members only");
    await openSettings(owner);
    await settingsPanel(owner).getByLabel("Visibility").selectOption("private");
    await settingsPanel(owner).getByRole("button", { name: "Save settings" }).click();
    await expect(notice(owner, "made the room private")).toBeVisible();

    await stranger.goto(`/rooms/${room}`);
    await expect(connectionStatus(stranger)).toHaveText(
      `Room "${room}" is private: only its members may enter. Ask its owner or a moderator for an invite.`,
    );
    await expect(messageWith(stranger, "the plan, for members only")).toHaveCount(0);

    await settingsPanel(owner).getByRole("button", { name: "Make an invite link" }).click();
    const link = await settingsPanel(owner).getByTestId("invite-link").inputValue();
    expect(new URL(link).searchParams.get("invite")).toBeTruthy();
    await stranger.goto(link);
    await expectConnected(stranger);
    await expect(messageWith(stranger, "the plan, for members only")).toBeVisible();
    await sendMessage(stranger, "thanks for the invite");
    await expect(messageWith(owner, "thanks for the invite")).toBeVisible();
    // A member now: the room lets them in without the link too.
    await stranger.goto(`/rooms/${room}`);
    await expectConnected(stranger);
  });

  test("a read-only room refuses a member's message with a sentence and takes the owner's", async ({ owner, visitor: member, room }) => {
    await registerViaApi(owner, `ada_${randomSuffix(4)}`, PASSWORD);
    await registerViaApi(member, `kim_${randomSuffix(4)}`, PASSWORD);
    await openRoom(owner, room);
    await openRoom(member, room);
    await openSettings(owner);
    await settingsPanel(owner).getByLabel(/Read-only/).check();
    await settingsPanel(owner).getByRole("button", { name: "Save settings" }).click();
    await expect(notice(member, "made the room read-only")).toBeVisible();

    await composer(member).fill("may I say something?");
    await composer(member).press("Enter");
    const refused = pendingMessages(member).filter({ hasText: "may I say something?" });
    await expect(refused.getByRole("alert")).toHaveText(`Not sent: Room "${room}" is read-only: only its owner and moderators post here.`);
    await expect(messageWith(owner, "may I say something?")).toHaveCount(0);

    await sendMessage(owner, "Release is out.");
    await expect(messageWith(member, "Release is out.")).toBeVisible();
  });
});

// Not an assertion of looks: pictures of the settings panel and its audit tab at
// desktop and phone widths, light and dark (test-results/screenshots/), for people
// to look at. It does check that nothing overflows sideways.
test("screenshots of the settings panel", async ({ owner, room }) => {
  await registerViaApi(owner, `ada_${randomSuffix(4)}`, PASSWORD);
  await openRoom(owner, room);
  await sendMessage(owner, "Welcome! The release notes are pinned in the topic.");
  await owner.getByRole("button", { name: "Room settings" }).click();
  const panel = owner.getByTestId("room-settings");
  await panel.getByLabel("Topic").fill("Release planning: notes at https://example.com/notes");
  await panel.getByLabel(/Slow mode/).fill("30");
  await panel.getByLabel("Visibility").selectOption("private");
  await panel.getByRole("button", { name: "Save settings" }).click();
  await expect(owner.getByTestId("topic")).toHaveText("Release planning: notes at https://example.com/notes");
  await panel.getByRole("button", { name: "Make an invite link" }).click();
  await expect(panel.getByTestId("invite-link")).toBeVisible();
  // A ban about to be applied shows its extra choices.
  await panel.getByLabel("Person").fill("troll");
  await panel.getByLabel("Action").selectOption("ban");
  await expect(panel.getByLabel("Also ban their address")).toBeVisible();

  for (const tab of ["settings", "audit"] as const) {
    if (tab === "audit") {
      await panel.getByRole("tab", { name: "Audit log" }).click();
      await expect(panel.getByTestId("audit-log").getByRole("listitem")).toHaveCount(3);
    }
    for (const size of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      await owner.setViewportSize(size);
      for (const colorScheme of ["light", "dark"] as const) {
        await owner.emulateMedia({ colorScheme });
        const overflow = await owner.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `the ${tab} tab at ${size.width}px overflows sideways`).toBeLessThanOrEqual(0);
        await panel.evaluate((element) => element.scrollTo(0, 0));
        await owner.screenshot({ path: `test-results/screenshots/room-settings-${tab}-${size.width}-${colorScheme}.png` });
      }
    }
  }
});
