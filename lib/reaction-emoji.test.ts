import { describe, expect, it } from "vitest";
import { ChatError } from "./errors";
import { normalizeReactionEmoji } from "./reaction-emoji";

function refused(raw: string): boolean {
  try {
    normalizeReactionEmoji(raw);
    return false;
  } catch (error) {
    if (error instanceof ChatError && error.code === "invalid_payload") return true;
    throw error;
  }
}

describe("a reaction's emoji", () => {
  it("takes any one emoji: plain, skin-toned, a ZWJ family, a flag, a keycap", () => {
    for (const emoji of ["👍", "🎉", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "🇫🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "❤️"]) {
      expect(normalizeReactionEmoji(emoji)).toBe(emoji);
    }
  });

  it("counts a pictograph typed without its variation selector as the same reaction", () => {
    expect(normalizeReactionEmoji("❤")).toBe("❤️");
    expect(normalizeReactionEmoji("©")).toBe("©️");
  });

  it("refuses text, two emoji, an empty string and lone parts of an emoji", () => {
    for (const text of ["", "a", "ok", "1", "#", " ", "👍👍", "👍 ", "👍a", "🇦", "\u200d", "\ufe0f", "<script>", "\u202e👍"]) {
      expect(refused(text), JSON.stringify(text)).toBe(true);
    }
  });
});
