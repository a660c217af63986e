// Emoji for the composer's `:shortcode:` completion and its picker, from Emojibase's data
// (emojibase-data: English names, Slack-style shortcodes as people type them in chat).
// The data is large, so it is loaded the first time someone reaches for an emoji, from
// this server's own bundle: no CDN, the page works without the wider internet. Emoji are
// inserted as text: what is sent is the character itself.

export interface Emoji {
  /** The character(s) to insert. */
  glyph: string;
  /** Its English name ("party popper"), for people and screen readers. */
  label: string;
  /** Shortcodes without colons ("tada"), the first the best known. */
  shortcodes: string[];
  /** Index into EMOJI_GROUPS. */
  group: number;
  /** Other words that find it ("celebration"). */
  tags: string[];
}

/** Emojibase's groups in its order, named for the picker (group 2, skin-tone components, is left out). */
export const EMOJI_GROUPS: ReadonlyArray<{ group: number; name: string; icon: string }> = [
  { group: 0, name: "Smileys and emotion", icon: "😀" },
  { group: 1, name: "People and body", icon: "👋" },
  { group: 3, name: "Animals and nature", icon: "🐻" },
  { group: 4, name: "Food and drink", icon: "🍔" },
  { group: 5, name: "Travel and places", icon: "🚗" },
  { group: 6, name: "Activities", icon: "⚽" },
  { group: 7, name: "Objects", icon: "💡" },
  { group: 8, name: "Symbols", icon: "❤️" },
  { group: 9, name: "Flags", icon: "🏁" },
];

/** One record of emojibase-data's compact.json (the fields used here). */
interface CompactEmoji {
  hexcode: string;
  label: string;
  unicode: string;
  group?: number;
  order?: number;
  tags?: string[];
}

type Shortcodes = Record<string, string | string[]>;

/** Joins the data set's records and shortcodes into the list offered, in Emojibase's order. */
export function buildEmojiList(records: readonly CompactEmoji[], shortcodes: Shortcodes): Emoji[] {
  return records
    .filter((record) => record.group !== undefined && record.group !== 2)
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
    .map((record) => {
      const codes = shortcodes[record.hexcode] ?? [];
      return {
        glyph: fullyQualified(record.unicode),
        label: record.label,
        shortcodes: typeof codes === "string" ? [codes] : codes,
        group: record.group!,
        tags: record.tags ?? [],
      };
    });
}

/**
 * Emojibase asks for emoji presentation (U+FE0F) after every emoji, even one that always
 * looks like an emoji (👍). Unicode's fully qualified form, the one people type and
 * reactions check against, has it only where it is needed (❤️, 1️⃣).
 */
function fullyQualified(glyph: string): string {
  return glyph.replace(/(\p{Emoji_Presentation})\uFE0F/gu, "$1");
}

let loading: Promise<Emoji[]> | null = null;

/** The emoji list, fetched once per page (a separate chunk of the page's own bundle). */
export function loadEmoji(): Promise<Emoji[]> {
  loading ??= Promise.all([import("emojibase-data/en/compact.json"), import("emojibase-data/en/shortcodes/iamcal.json")])
    .then(([compact, codes]) => buildEmojiList(compact.default as CompactEmoji[], codes.default as Shortcodes))
    .catch((problem: unknown) => {
      loading = null; // a failed chunk load may work next time
      throw problem;
    });
  return loading;
}

/**
 * Emoji for what was typed, best first: a shortcode that starts with it, then a shortcode
 * containing it, then a name or tag starting with it. Empty query: nothing.
 */
export function searchEmoji(list: readonly Emoji[], query: string, limit = 8): Emoji[] {
  const wanted = query.trim().toLowerCase().replace(/^:|:$/g, "");
  if (wanted === "") return [];
  const ranked: Array<[number, number, Emoji]> = [];
  list.forEach((emoji, order) => {
    const rank = rankOf(emoji, wanted);
    if (rank !== null) ranked.push([rank, order, emoji]);
  });
  return ranked
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, limit)
    .map(([, , emoji]) => emoji);
}

function rankOf(emoji: Emoji, wanted: string): number | null {
  if (emoji.shortcodes.some((code) => code === wanted)) return 0;
  if (emoji.shortcodes.some((code) => code.startsWith(wanted))) return 1;
  if (emoji.shortcodes.some((code) => code.includes(wanted))) return 2;
  const words = [...emoji.label.toLowerCase().split(/\s+/), ...emoji.tags];
  if (words.some((word) => word.startsWith(wanted))) return 3;
  return null;
}
