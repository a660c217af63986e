// The pages run under their Content-Security-Policy: no violation and no console
// error on the home, room and login pages, and chat works over the socket.
import type { Page } from "@playwright/test";
import { expect, randomSuffix, test } from "./fixtures";
import { identityBar, messageWith, openRoom, registerViaApi, roomPath, sendMessage } from "./chat";

/** Records CSP violations and console errors from the moment the page starts. */
async function watchForViolations(page: Page): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push(`CSP: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
    });
  });
  return async () => [
    ...problems,
    ...(await page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? [])),
  ];
}

test("every page is served with a Content-Security-Policy that allows its own socket", async ({ request }) => {
  for (const path of ["/", "/login", "/register", "/rooms/lobby"]) {
    const policy = (await request.get(path)).headers()["content-security-policy"];
    expect(policy, path).toContain("default-src 'self'");
    expect(policy, path).toContain("object-src 'none'");
    expect(policy, path).toContain("frame-ancestors 'none'");
    expect(policy, path).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+/);
  }
});

test("the home page runs under the policy without a violation", async ({ owner: page, room }) => {
  const problems = await watchForViolations(page);
  await page.goto("/");
  // The room form is the page's script at work: it navigates on submit.
  await page.getByRole("textbox", { name: /room/i }).fill(room);
  await page.getByRole("textbox", { name: /room/i }).press("Enter");
  await expect(page).toHaveURL(roomPath(room));
  expect(await problems()).toEqual([]);
});

test("a room chats over the socket under the policy without a violation", async ({ owner, visitor, room }) => {
  const ownerProblems = await watchForViolations(owner);
  const visitorProblems = await watchForViolations(visitor);
  await openRoom(owner, room);
  await openRoom(visitor, room);
  await sendMessage(owner, "sent under a strict policy");
  await expect(messageWith(visitor, "sent under a strict policy")).toBeVisible();
  expect(await ownerProblems()).toEqual([]);
  expect(await visitorProblems()).toEqual([]);
});

test("signing in works under the policy without a violation", async ({ owner: page }) => {
  const username = `csp_${randomSuffix()}`;
  await registerViaApi(page, username, "correct horse battery");
  await page.request.post("/api/auth/logout", { data: {} });
  const problems = await watchForViolations(page);
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(identityBar(page)).toContainText(username);
  expect(await problems()).toEqual([]);
});
