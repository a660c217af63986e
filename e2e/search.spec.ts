import { messages, messageWith, openRoom } from "./chat";
import { expect, test } from "./fixtures";

const TOTAL = 130; // more than the live window (HISTORY_WINDOW, 100), so the result is not on the page yet
const NEEDLE = 5;

const label = (n: number) => (n === NEEDLE ? "the needle is here, in the haystack" : `haystack message ${n}`);

test("search finds a message long scrolled away and shows it in context", async ({ owner: page, room, request }) => {
  test.slow();
  for (let n = 1; n <= TOTAL; n++) {
    const response = await request.post(`/api/rooms/${encodeURIComponent(room)}/messages`, { data: { content: label(n) } });
    expect(response.status(), await response.text()).toBe(201);
  }
  await openRoom(page, room);
  await expect(messageWith(page, label(TOTAL))).toBeVisible();
  await expect(messageWith(page, label(NEEDLE))).toHaveCount(0);

  const box = page.getByRole("searchbox", { name: `Search messages in ${room}` });
  await box.fill("Needle");
  await box.press("Enter");
  const results = page.getByRole("list", { name: "Search results" });
  await expect(page.getByText("1 message matches “Needle”.")).toBeVisible();
  const result = results.getByTestId("search-result");
  await expect(result).toContainText(label(NEEDLE));
  await expect(result.locator("mark")).toHaveText("needle");

  await result.click();
  const focused = messages(page).and(page.locator('[aria-current="true"]'));
  await expect(focused).toHaveAttribute("data-seq", String(NEEDLE));
  await expect(focused).toBeInViewport();
  // Its surroundings are loaded around it.
  await expect(messageWith(page, label(NEEDLE - 1))).toHaveCount(1);
  await expect(messageWith(page, label(NEEDLE + 1))).toHaveCount(1);
  await expect(page.getByRole("note")).toContainText(`Messages around #${NEEDLE}`);

  await page.getByRole("button", { name: "Back to the latest messages" }).click();
  await expect(messageWith(page, label(TOTAL))).toBeVisible();
  await expect(messageWith(page, label(NEEDLE))).toHaveCount(0);
});
