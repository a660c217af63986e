// What a person does on the pages, in the words of the specs.
import { expect, type Locator, type Page } from "@playwright/test";

export function roomPath(room: string): string {
  return `/rooms/${encodeURIComponent(room)}`;
}

export function connectionStatus(page: Page): Locator {
  return page.getByTestId("connection-status");
}

export async function expectConnected(page: Page): Promise<void> {
  await expect(connectionStatus(page)).toHaveAttribute("data-state", "connected");
}

export async function openRoom(page: Page, room: string): Promise<void> {
  await page.goto(roomPath(room));
  await expectConnected(page);
}

export function composer(page: Page): Locator {
  return page.getByRole("textbox", { name: "Message" });
}

/** Types a message, presses Enter, and waits until the server confirmed it (nothing left pending). */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = composer(page);
  await box.fill(text);
  await box.press("Enter");
  await expect(box).toHaveValue("");
  await expect(pendingMessages(page)).toHaveCount(0);
}

/** Messages written on this page that the server has not confirmed yet. */
export function pendingMessages(page: Page): Locator {
  return page.getByTestId("pending-message");
}

export function messages(page: Page): Locator {
  return page.getByTestId("message");
}

export function messageWith(page: Page, text: string): Locator {
  return messages(page).filter({ hasText: text });
}

export function authorOf(message: Locator): Locator {
  return message.getByTestId("message-author");
}

export function identityBar(page: Page): Locator {
  return page.getByRole("navigation", { name: "Account" });
}

export async function seqOf(message: Locator): Promise<number> {
  return Number(await message.getAttribute("data-seq"));
}

/** Sets the guest name of the page's browser context through the API (setup, not the behaviour under test). */
export async function chooseGuestNameViaApi(page: Page, name: string): Promise<void> {
  const response = await page.request.post("/api/auth/guest", { data: { name } });
  expect(response.status(), await response.text()).toBe(200);
}

/** Registers and signs in the page's browser context through the API. */
export async function registerViaApi(page: Page, username: string, password: string): Promise<void> {
  const response = await page.request.post("/api/auth/register", { data: { username, password } });
  expect(response.status(), await response.text()).toBe(201);
}

/** An error shown by a form. (Next.js adds its own, empty role="alert" route announcer to every page.) */
export function formAlert(page: Page): Locator {
  return page.locator("form").getByRole("alert");
}
