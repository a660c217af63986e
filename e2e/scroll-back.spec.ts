import { messages, messageWith, openRoom } from "./chat";
import { expect, test } from "./fixtures";

const TOTAL = 130;
const WINDOW = 100; // HISTORY_WINDOW's default; the e2e server does not change it.

const label = (n: number) => `scroll-back message ${String(n).padStart(3, "0")}`;

test("older messages load on demand above the live window", async ({ owner: page, room, request }) => {
  test.slow();
  for (let n = 1; n <= TOTAL; n++) {
    const response = await request.post(`/api/rooms/${encodeURIComponent(room)}/messages`, {
      data: { content: label(n) },
    });
    expect(response.status(), await response.text()).toBe(201);
  }

  await openRoom(page, room);
  await expect(messages(page)).toHaveCount(WINDOW);
  await expect(messageWith(page, label(TOTAL))).toBeInViewport();
  await expect(messageWith(page, label(1))).toHaveCount(0);

  const loadOlder = page.getByRole("button", { name: "Load older messages" });
  await loadOlder.click();

  await expect(messages(page)).toHaveCount(TOTAL);
  await expect(messages(page).first()).toHaveAttribute("data-seq", "1");
  await expect(loadOlder).toHaveCount(0);
  const first = messageWith(page, label(1));
  await first.scrollIntoViewIfNeeded();
  await expect(first).toBeInViewport();
});
