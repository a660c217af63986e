import {
  authorOf,
  expectConnected,
  formAlert,
  identityBar,
  messageWith,
  openRoom,
  registerViaApi,
  roomPath,
  sendMessage,
} from "./chat";
import { expect, randomSuffix, test } from "./fixtures";

const PASSWORD = "correct horse battery";

test("register, log out and log in again change who writes the messages", async ({ owner: page, room }) => {
  const username = `user_${randomSuffix()}`;

  await page.goto(`/register?next=${encodeURIComponent(roomPath(room))}`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(roomPath(room));
  await expect(identityBar(page)).toContainText(`Signed in as ${username}`);
  await expectConnected(page);
  await sendMessage(page, "written after registering");
  const registered = messageWith(page, "written after registering");
  await expect(authorOf(registered)).toHaveText(username);
  await expect(registered.getByText("guest", { exact: true })).toHaveCount(0);

  await identityBar(page).getByRole("button", { name: "Log out" }).click();
  await expect(identityBar(page)).toContainText("Guest: anon");
  await expectConnected(page);
  await sendMessage(page, "written after logging out");
  const loggedOut = messageWith(page, "written after logging out");
  await expect(authorOf(loggedOut)).toHaveText("anon");
  await expect(loggedOut.getByText("guest", { exact: true })).toBeVisible();

  await identityBar(page).getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`/login?next=${encodeURIComponent(roomPath(room))}`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page).toHaveURL(roomPath(room));
  await expect(identityBar(page)).toContainText(`Signed in as ${username}`);
  await expectConnected(page);
  await sendMessage(page, "written after logging in");
  await expect(authorOf(messageWith(page, "written after logging in"))).toHaveText(username);
});

test("a wrong password is refused with a message", async ({ owner: page }) => {
  const username = `user_${randomSuffix()}`;
  await registerViaApi(page, username, PASSWORD);
  await page.request.post("/api/auth/logout", { data: {} });

  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(formAlert(page)).not.toBeEmpty();
  await expect(page).toHaveURL("/login");
  await expect(identityBar(page)).toContainText("Guest: anon");
});

test("a guest cannot take a registered name", async ({ owner, visitor, room, request }) => {
  const username = `user_${randomSuffix()}`;
  await registerViaApi(owner, username, PASSWORD);

  // The sentence the server uses for name_taken, whatever its wording.
  const probe = await request.post("/api/auth/guest", { data: { name: username.toUpperCase() } });
  expect(probe.status()).toBe(409);
  const { error } = (await probe.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe("name_taken");

  await openRoom(visitor, room);
  await visitor.getByLabel("Guest name").fill(username.toUpperCase());
  await visitor.getByRole("button", { name: "Set name" }).click();

  await expect(formAlert(visitor)).toHaveText(error.message);
  await expect(identityBar(visitor)).toContainText("Guest: anon");
});
