import { formAlert, openRoom } from "./chat";
import { expect, test } from "./fixtures";

test("typing a room name and Enter opens the room's canonical address", async ({ owner: page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Livechat", level: 1 })).toBeVisible();
  await page.getByLabel("Room name").fill("Lobby Room");
  await page.getByLabel("Room name").press("Enter");

  await expect(page).toHaveURL("/rooms/lobby-room");
  await expect(page.getByRole("heading", { name: "lobby-room", level: 1 })).toBeVisible();
});

test("a name that is not a room name is explained, not followed", async ({ owner: page }) => {
  await page.goto("/");
  await page.getByLabel("Room name").fill("no/slashes");
  await page.getByLabel("Room name").press("Enter");

  await expect(formAlert(page)).toContainText("room name");
  await expect(page).toHaveURL("/");
});

test("other spellings of a room's address redirect to its canonical one", async ({ owner: page }) => {
  await page.goto("/rooms/Mixed%20Case");
  await expect(page).toHaveURL("/rooms/mixed-case");

  const response = await page.goto("/rooms/not!a!room");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "That is not a room name" })).toBeVisible();
});

test("an address with broken %-encoding is a bad request, not a server error", async ({ request }) => {
  const response = await request.get("/rooms/%E0%A4");
  expect(response.status()).toBe(400);
});

test("pages cannot be framed by another site or sniffed as another type", async ({ request }) => {
  for (const path of ["/", "/rooms/lobby", "/login"]) {
    const response = await request.get(path);
    expect(response.headers()["x-frame-options"]).toBe("DENY");
    expect(response.headers()["x-content-type-options"]).toBe("nosniff");
  }
});

test("the home page lists live rooms with their member counts", async ({ owner, visitor, room }) => {
  await openRoom(owner, room);
  await visitor.goto("/");
  const link = visitor.getByRole("link", { name: new RegExp(`${room}.*1 online`) });
  // The list refreshes every 5 s.
  await expect(link).toBeVisible({ timeout: 12_000 });
  await link.click();
  await expect(visitor).toHaveURL(`/rooms/${room}`);
});

test("every page says which node served it", async ({ owner: page }) => {
  for (const path of ["/", "/login", "/register", "/rooms/lobby"]) {
    await page.goto(path);
    await expect(page.getByTestId("node")).toContainText("Served by node e2e-node");
  }
});
