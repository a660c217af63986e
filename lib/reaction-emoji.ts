// What a reaction may be: exactly one emoji, any Unicode emoji, never text. The rule
// lives here once for every transport (Socket.IO, HTTP's path, gRPC, the terminal).
//
// One emoji is one grapheme cluster (Intl.Segmenter: a flag, a skin-toned hand, a
// family joined by ZWJs, a keycap are each one) that is either an RGI emoji (Unicode's
// list of emoji every platform should show) or, for emoji newer than this runtime's
// Unicode data, is made only of emoji code points (pictographs, modifiers, joiners,
// variation selectors, tags) with at least one pictograph in it. Letters, digits,
// punctuation and spaces are text: "1" or "ok" are refused, "1️⃣" is an emoji.
import { ChatError } from "./errors";

/** An emoji is a few code points; this bounds what the segmenter is asked to look at. */
const MAX_EMOJI_LENGTH = 32;
const VARIATION_SELECTOR_16 = "\uFE0F";

// Built on first use: the `v` flag (Unicode sets) is not in TypeScript's ES2022 target.
let rgiEmoji: RegExp | undefined;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const EMOJI_PARTS = /^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Emoji_Component})+$/u;

function isRgi(text: string): boolean {
  rgiEmoji ??= new RegExp("^\\p{RGI_Emoji}$", "v");
  return rgiEmoji.test(text);
}

function isOneGrapheme(text: string): boolean {
  const segments = new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)[Symbol.iterator]();
  return !segments.next().done && segments.next().done === true;
}

/**
 * The emoji a reaction stores, or `invalid_payload` for anything that is not exactly one
 * emoji. A pictograph typed without its emoji variation selector ("❤") is the same
 * reaction as with it ("❤️"), so both count together.
 */
export function normalizeReactionEmoji(raw: string): string {
  if (raw.length > 0 && raw.length <= MAX_EMOJI_LENGTH && isOneGrapheme(raw)) {
    if (isRgi(raw)) return raw;
    if (isRgi(raw + VARIATION_SELECTOR_16)) return raw + VARIATION_SELECTOR_16;
    if (EMOJI_PARTS.test(raw) && PICTOGRAPH.test(raw)) return raw;
  }
  throw new ChatError("invalid_payload", "A reaction is one emoji (like 👍), not text.");
}
