// Against the real data set (emojibase-data), as the page loads it.
import { describe, expect, it } from "vitest";
import { EMOJI_GROUPS, loadEmoji, searchEmoji } from "./emoji";

describe("emoji for the composer and the picker", () => {
  it("finds an emoji by its chat shortcode, the exact one first", async () => {
    const list = await loadEmoji();
    const first = (query: string) => searchEmoji(list, query)[0]?.glyph;
    expect(first("tada")).toBe("🎉");
    expect(first("+1")).toBe("👍");
    expect(first("thumbsup")).toBe("👍");
    expect(first(":joy:")).toBe("😂");
  });

  it("finds emoji by the start of a shortcode, then by their name and tags, at most as many as asked", async () => {
    const list = await loadEmoji();
    const hearts = searchEmoji(list, "heart", 100);
    expect(hearts.length).toBeGreaterThan(20);
    expect(hearts.map((e) => e.glyph)).toContain("❤️");
    expect(searchEmoji(list, "heart", 10)).toEqual(hearts.slice(0, 10));
    expect(searchEmoji(list, "celebration", 20).map((e) => e.glyph)).toContain("🎉");
    expect(searchEmoji(list, "")).toEqual([]);
    expect(searchEmoji(list, "zzzqqq")).toEqual([]);
  });

  it("offers every emoji of every picker group as text, without skin-tone parts", async () => {
    const list = await loadEmoji();
    expect(list.length).toBeGreaterThan(1500);
    for (const { group } of EMOJI_GROUPS) expect(list.some((e) => e.group === group)).toBe(true);
    expect(list.every((e) => e.group !== 2 && e.label.length > 0)).toBe(true);
    // Each is one emoji as Unicode spells it (what a reaction must be), not text.
    const oneEmoji = new RegExp("^\\p{RGI_Emoji}$", "v");
    expect(list.filter((e) => !oneEmoji.test(e.glyph)).map((e) => e.glyph)).toEqual([]);
    // Loaded once: the second call answers the same list.
    expect(await loadEmoji()).toBe(list);
  });
});
