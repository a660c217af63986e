// Awareness in the browser: the sidebar of a person's rooms with unread and mention
// badges, one account's read position shared by two tabs, who is typing, a
// notification on a mention while the page is hidden, and an offline message that
// survives a reload.
import type { Page } from "@playwright/test";
import { chooseGuestNameViaApi, composer, messageWith, openRoom, registerViaApi, roomPath, sendMessage } from "./chat";
import { expect, randomSuffix, test } from "./fixtures";

function myRoom(page: Page, room: string) {
  return page.getByTestId("my-room").and(page.locator(`[data-room="${room}"]`));
}

async function postAs(page: Page, room: string, content: string): Promise<void> {
  const response = await page.request.post(`/api/rooms/${encodeURIComponent(room)}/messages`, { data: { content } });
  expect(response.status(), await response.text()).toBe(201);
}

test("a room in the sidebar shows an unread badge and a mention badge that clear when the room is opened", async ({ owner, visitor, room }) => {
  const other = `${room}-b`;
  const me = `ada_${randomSuffix()}`;
  await chooseGuestNameViaApi(owner, me);
  await chooseGuestNameViaApi(visitor, `bob_${randomSuffix()}`);
  await openRoom(owner, other);
  await openRoom(owner, room);
  await expect(myRoom(owner, other)).toBeVisible();

  await postAs(visitor, other, "hello there");
  await postAs(visitor, other, `look @${me}`);
  await expect(myRoom(owner, other).getByTestId("unread-badge")).toHaveText("2");
  await expect(myRoom(owner, other).getByTestId("mention-badge")).toHaveText("@1");
  await expect(owner).toHaveTitle(/^\(2\) /);

  // Switching is a client-side navigation: the address is the room's.
  await myRoom(owner, other).getByRole("link").click();
  await expect(owner).toHaveURL(new RegExp(`${roomPath(other)}$`));
  await expect(messageWith(owner, "hello there")).toHaveCount(1);
  await expect(myRoom(owner, other).getByTestId("unread-badge")).toHaveCount(0);
  await expect(myRoom(owner, other).getByTestId("mention-badge")).toHaveCount(0);
  await expect(owner).not.toHaveTitle(/^\(\d+\) /);
});

test("two tabs of one account share the read position: reading in one clears the badge in the other", async ({ owner, visitor, room }) => {
  const other = `${room}-b`;
  await registerViaApi(owner, `reader_${randomSuffix()}`, "correct horse battery");
  const laptop = owner;
  const phone = await owner.context().newPage();
  await openRoom(laptop, other);
  await openRoom(laptop, room);
  await openRoom(phone, room);
  await expect(myRoom(phone, other)).toBeVisible();

  await postAs(visitor, other, "news in the other room");
  await expect(myRoom(laptop, other).getByTestId("unread-badge")).toHaveText("1");
  await expect(myRoom(phone, other).getByTestId("unread-badge")).toHaveText("1");

  await myRoom(phone, other).getByRole("link").click();
  await expect(messageWith(phone, "news in the other room")).toHaveCount(1);
  await expect(myRoom(laptop, other).getByTestId("unread-badge")).toHaveCount(0, { timeout: 2_000 });
});

test("the room says who is typing, and stops when their message arrives", async ({ owner, visitor, room }) => {
  const typist = `cy_${randomSuffix()}`;
  await chooseGuestNameViaApi(owner, `ann_${randomSuffix()}`);
  await chooseGuestNameViaApi(visitor, typist);
  await openRoom(owner, room);
  await openRoom(visitor, room);

  await composer(visitor).pressSequentially("hel");
  await expect(owner.getByTestId("typing-line")).toHaveText(`${typist} is typing…`);
  await expect(visitor.getByTestId("typing-line")).toHaveText("");
  await composer(visitor).press("Enter");
  await expect(messageWith(owner, "hel")).toHaveCount(1);
  await expect(owner.getByTestId("typing-line")).toHaveText("");
});

test("a mention while the page is hidden shows a notification", async ({ browser, visitor, room }) => {
  const me = `dee_${randomSuffix()}`;
  const context = await browser.newContext();
  await context.grantPermissions(["notifications"]);
  const page = await context.newPage();
  // A stub records what the page shows, and the page believes it is hidden.
  await page.addInitScript(() => {
    const shown: Array<{ title: string; body: string }> = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    class StubNotification {
      static permission = "granted";
      static requestPermission = async () => "granted";
      onclick: (() => void) | null = null;
      constructor(title: string, options: { body?: string } = {}) {
        shown.push({ title, body: options.body ?? "" });
      }
      close() {}
    }
    Object.defineProperty(window, "Notification", { value: StubNotification });
    Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
  });
  await chooseGuestNameViaApi(page, me);
  const other = `${room}-b`;
  await openRoom(page, other);
  await openRoom(page, room);
  await expect(myRoom(page, other)).toBeVisible();

  await postAs(visitor, other, `ping @${me}`);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { shownNotifications: Array<{ title: string }> }).shownNotifications.map((n) => n.title)))
    .toEqual([expect.stringContaining(`mentioned you in #${other}`)]);
  await context.close();
});

test("a message written offline survives a reload and is sent once", async ({ owner, visitor, room }) => {
  await chooseGuestNameViaApi(owner, `eve_${randomSuffix()}`);
  // While `cut` holds, the page's connection cannot reach the server (the page itself loads).
  let cut = false;
  await owner.routeWebSocket(/\/socket\.io\//, (ws) => (cut ? ws.close() : ws.connectToServer()));
  await owner.route("**/socket.io/**", (route) => (cut ? route.abort() : route.continue()));
  await openRoom(owner, room);
  await openRoom(visitor, room);

  cut = true;
  await owner.context().setOffline(true);
  await composer(owner).fill("written on the train");
  await composer(owner).press("Enter");
  await expect(owner.getByTestId("pending-message")).toHaveCount(1);
  await owner.context().setOffline(false);
  await owner.reload();
  await expect(owner.getByTestId("pending-message")).toHaveText(/written on the train/);

  cut = false;
  await owner.evaluate(() => window.dispatchEvent(new Event("online")));
  await expect(messageWith(visitor, "written on the train")).toHaveCount(1);
  await expect(owner.getByTestId("pending-message")).toHaveCount(0);
  await owner.reload();
  await sendMessage(owner, "and one more");
  await expect(messageWith(visitor, "and one more")).toHaveCount(1);
  await expect(messageWith(visitor, "written on the train")).toHaveCount(1);
  await expect(messageWith(owner, "written on the train")).toHaveCount(1);
});
