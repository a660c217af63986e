// Reading and writing a conversation in the room page: nothing widens the page, Markdown
// reaches the other person drawn (and never as HTML), emoji from the picker and from
// `:shortcode`, mentions completed and highlighted, grouped messages and day dividers,
// and axe finds nothing to fix, light or dark. Screenshots for people to look at go to
// test-results/screenshots/reading-*.png.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { chooseGuestNameViaApi, composer, messageWith, messages, openRoom, sendMessage } from "./chat";
import { expect, randomSuffix, test } from "./fixtures";

// Two browsers, many messages and axe scans: more than the default 30 s on a busy machine.
test.describe.configure({ timeout: 90_000 });

const WIDTHS = [390, 1280] as const;
const SCHEMES = ["light", "dark"] as const;

async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

function autocomplete(page: Page, name: string) {
  return page.getByRole("listbox", { name });
}

test("a long address, a long word and a code block never make the page scroll sideways", async ({ owner: page, room }) => {
  await page.setViewportSize({ width: WIDTHS[0], height: 844 });
  await openRoom(page, room);
  const longUrl = `https://example.com/releases/${"notes-and-more-".repeat(12)}end`;
  await sendMessage(page, `the notes: ${longUrl}`);
  await sendMessage(page, `Averyveryveryverylongword${"thatmustwrapinsteadofoverflowing".repeat(6)}.`);
  await sendMessage(page, `\`\`\`\nconst line = "${"a long line of code ".repeat(15)}";\n\`\`\``);
  await expect(messages(page)).toHaveCount(3);

  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 844 });
    expect(await sidewaysOverflow(page), `the log at ${width}px`).toBeLessThanOrEqual(0);
    // The code block scrolls inside itself instead.
    const code = page.locator("pre.code-block");
    expect(await code.evaluate((pre) => pre.scrollWidth > pre.clientWidth)).toBe(true);

    // Guards issue 11: a 66-character address typed at 390px made the page 641px wide.
    await composer(page).fill(`https://example.com/${"x".repeat(46)}`);
    expect(await sidewaysOverflow(page), `a typed address at ${width}px`).toBeLessThanOrEqual(0);
    const heightOfOne = (await composer(page).boundingBox())!.height;
    await composer(page).fill(longUrl.repeat(3));
    expect(await sidewaysOverflow(page), `a long typed address at ${width}px`).toBeLessThanOrEqual(0);
    await expect(page.getByRole("button", { name: "Send" })).toBeInViewport();
    // It grew in height instead, up to a limit.
    const grown = (await composer(page).boundingBox())!.height;
    expect(grown).toBeGreaterThan(heightOfOne);
    await composer(page).fill(Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n"));
    expect((await composer(page).boundingBox())!.height).toBeLessThanOrEqual(170);
    await composer(page).fill("");
  }
});

test("a Markdown message is drawn for the other person, and no HTML in it runs", async ({ owner, visitor, room }) => {
  await openRoom(owner, room);
  await openRoom(visitor, room);

  await sendMessage(owner, "**bold** _leaning_ ~~gone~~ `x < y`\n\n> quoted\n\n- one\n- two\n\n[the notes](https://example.com/notes)");
  await sendMessage(owner, '<img src=x onerror="window.__pwned=1"> [click](javascript:window.__pwned=1) <script>window.__pwned=1</script>');

  const drawn = messageWith(visitor, "leaning");
  await expect(drawn.locator("strong")).toHaveText("bold");
  await expect(drawn.locator("em")).toHaveText("leaning");
  await expect(drawn.locator("s")).toHaveText("gone");
  await expect(drawn.locator("code")).toHaveText("x < y");
  await expect(drawn.locator("blockquote")).toHaveText("quoted");
  await expect(drawn.getByRole("listitem")).toHaveText(["one", "two"]);
  const link = drawn.getByRole("link", { name: "the notes" });
  await expect(link).toHaveAttribute("href", "https://example.com/notes");
  await expect(link).toHaveAttribute("rel", "noopener noreferrer nofollow ugc");
  await expect(link).toHaveAttribute("target", "_blank");

  const hostile = messageWith(visitor, "click");
  await expect(hostile.getByTestId("message-content")).toHaveText(
    '<img src=x onerror="window.__pwned=1"> [click](javascript:window.__pwned=1) <script>window.__pwned=1</script>',
  );
  await expect(hostile.locator("img, script, a")).toHaveCount(0);
  expect(await visitor.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
});

test("an emoji chosen from the picker, or by its shortcode, is sent as text", async ({ owner, visitor, room }) => {
  await openRoom(owner, room);
  await openRoom(visitor, room);

  await composer(owner).fill("well done ");
  await owner.getByRole("button", { name: "Add emoji" }).click();
  const picker = owner.getByRole("dialog", { name: "Emoji" });
  await picker.getByLabel("Search emoji").fill("tada");
  await picker.getByRole("button", { name: "party popper" }).click();
  await expect(picker).toBeHidden();
  await expect(composer(owner)).toHaveValue("well done 🎉");
  await expect(composer(owner)).toBeFocused();

  await composer(owner).press("End");
  await composer(owner).pressSequentially(" :thumbsu");
  await expect(autocomplete(owner, "Emoji").getByRole("option").first()).toContainText(":thumbsup:");
  await composer(owner).press("Enter");
  await expect(composer(owner)).toHaveValue("well done 🎉 👍");
  await composer(owner).press("Enter");
  await expect(composer(owner)).toHaveValue("");

  await expect(messageWith(visitor, "well done").getByTestId("message-content")).toHaveText("well done 🎉 👍");
});

test("a mention is completed from the room's members and highlighted for the person mentioned", async ({ owner, visitor, room }) => {
  const name = `mia_${randomSuffix(4)}`;
  await chooseGuestNameViaApi(visitor, name);
  await openRoom(visitor, room);
  await openRoom(owner, room);

  const box = composer(owner);
  await box.pressSequentially("@");
  await expect(autocomplete(owner, "People")).toBeVisible();
  await box.press("Escape");
  await expect(autocomplete(owner, "People")).toBeHidden();
  await box.fill("");
  await box.pressSequentially("see this @mi");
  await expect(autocomplete(owner, "People").getByRole("option")).toHaveText([`@${name}`]);
  await box.press("Tab");
  await expect(box).toHaveValue(`see this @${name} `);
  await box.pressSequentially("please");
  await box.press("Enter");

  const forVisitor = messageWith(visitor, "see this");
  await expect(forVisitor).toHaveAttribute("data-mentions-you", "true");
  await expect(forVisitor.locator(".mention-you")).toHaveText(`@${name}`);
  await expect(messageWith(owner, "see this")).not.toHaveAttribute("data-mentions-you");

  // The slash commands still complete in the same box.
  await box.pressSequentially("/he");
  await expect(autocomplete(owner, "Commands").getByRole("option")).toContainText(["/help"]);
  await box.press("Tab");
  await expect(box).toHaveValue("/help ");
  await box.press("Enter");
  await expect(owner.getByTestId("command-help")).toContainText("/nick");
});

test("a person's messages are grouped under one name under a day divider, and the box has the focus after joining", async ({ owner: page, room }) => {
  await openRoom(page, room);
  await expect(composer(page)).toBeFocused();

  await sendMessage(page, "first of three");
  await sendMessage(page, "second of three");
  await sendMessage(page, "third of three");
  await expect(page.getByTestId("day-divider")).toHaveText(["Today"]);
  await expect(page.locator(".message .avatar")).toHaveCount(1);
  const second = messageWith(page, "second of three");
  await expect(second).toHaveClass(/continued/);
  // The time shows on hover, the full date and time on the time's own hover.
  await second.hover();
  const time = second.locator("time");
  await expect(time).toBeVisible();
  expect(await time.getAttribute("title")).toMatch(/\d{4}/);
  await expect(second.getByTestId("message-content")).toHaveAttribute("dir", "auto");
  await expect(second.getByTestId("message-author")).toHaveAttribute("dir", "auto");
});

test("axe finds no accessibility violations on the room page, light or dark, at both widths", async ({ owner, visitor, room }) => {
  test.setTimeout(240_000); // seven scans of a full page
  const name = `kit_${randomSuffix(4)}`;
  await chooseGuestNameViaApi(owner, name);
  await openRoom(owner, room);
  await openRoom(visitor, room); // its join notice shows on the owner's page
  await sendMessage(visitor, `Hi @${name}! Is **this** the place to talk about the release?`);
  await sendMessage(visitor, "مرحبا! هل رأيت https://example.com/notes؟");
  await sendMessage(owner, "It is. The notes: https://example.com/releases/2026-11\n\n> Node 20 works\n\n```\nnpm run cluster -- --nodes 2\n```");
  await sendMessage(owner, "Two things:\n- `STORE=postgres`\n- ~~Redis~~ only for *several* nodes");
  await expect(messages(owner)).toHaveCount(4);
  await expect(owner.getByTestId("notice").first()).toBeVisible();

  for (const width of WIDTHS) {
    await owner.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    for (const colorScheme of SCHEMES) {
      await owner.emulateMedia({ colorScheme });
      const results = await new AxeBuilder({ page: owner }).analyze();
      expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), `${width}px ${colorScheme}`).toEqual([]);
      await owner.screenshot({ path: `test-results/screenshots/reading-${width}-${colorScheme}.png` });
    }
  }

  // With the picker and a completion open too, at phone width.
  await owner.setViewportSize({ width: 390, height: 844 });
  await owner.getByRole("button", { name: "Add emoji" }).click();
  await expect(owner.getByRole("dialog", { name: "Emoji" }).getByRole("button", { name: "grinning face" }).first()).toBeVisible();
  for (const colorScheme of SCHEMES) {
    await owner.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page: owner }).analyze();
    expect(results.violations.map((v) => v.id), `picker ${colorScheme}`).toEqual([]);
    await owner.screenshot({ path: `test-results/screenshots/reading-picker-390-${colorScheme}.png` });
  }
  await owner.keyboard.press("Escape");
  await composer(owner).pressSequentially(":smil");
  await expect(autocomplete(owner, "Emoji")).toBeVisible();
  const results = await new AxeBuilder({ page: owner }).analyze();
  expect(results.violations.map((v) => v.id), "completion").toEqual([]);
  await owner.screenshot({ path: "test-results/screenshots/reading-completion-390-dark.png" });
});
