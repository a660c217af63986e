// What the composer offers to complete at the caret: a slash command (the whole line is
// one word starting with "/"), an emoji by `:shortcode`, or a person by `@name`. Pure:
// the composer shows the suggestions and replaces `[start, end)` with the chosen one.

export type TriggerKind = "command" | "emoji" | "mention";

export interface Trigger {
  kind: TriggerKind;
  /** What was typed after the "/", ":" or "@". */
  query: string;
  /** The range of the text the chosen suggestion replaces. */
  start: number;
  end: number;
}

/** At least this much of a shortcode before emoji are offered (":)" and "10:30" are not shortcodes). */
export const MIN_EMOJI_QUERY = 2;

// Before the caret: ":" or "@" starting a word, then the word so far.
const EMOJI = /(?:^|[\s([{])(:([a-z0-9_+-]*))$/i;
const MENTION = /(?:^|[^A-Za-z0-9_@-])(@([A-Za-z0-9_-]{0,32}))$/;

export function findTrigger(text: string, caret: number): Trigger | null {
  if (caret < 0 || caret > text.length) return null;
  // Commands as before: the line is "/" and one word, wherever the caret is in it.
  if (text.startsWith("/") && !/\s/.test(text)) return { kind: "command", query: text.slice(1), start: 0, end: text.length };
  const before = text.slice(0, caret);
  // The word must end at the caret: "@ad|a" completes "ada" only with the caret at its end.
  if (caret < text.length && /[A-Za-z0-9_+-]/.test(text[caret]!)) return null;
  const mention = MENTION.exec(before);
  if (mention) return { kind: "mention", query: mention[2]!, start: caret - mention[1]!.length, end: caret };
  const emoji = EMOJI.exec(before);
  if (emoji && emoji[2]!.length >= MIN_EMOJI_QUERY) return { kind: "emoji", query: emoji[2]!.toLowerCase(), start: caret - emoji[1]!.length, end: caret };
  return null;
}

/** The text with the trigger's range replaced, and where the caret goes: just after the insert. */
export function applyCompletion(text: string, trigger: Trigger, insert: string): { text: string; caret: number } {
  return { text: text.slice(0, trigger.start) + insert + text.slice(trigger.end), caret: trigger.start + insert.length };
}

/** People whose name starts with the query (any case), each name once, shortest first. */
export function matchPeople(names: readonly string[], query: string, limit = 8): string[] {
  const wanted = query.toLowerCase();
  const seen = new Set<string>();
  const found: string[] = [];
  for (const name of names) {
    const key = name.toLowerCase();
    // Only names a mention can name (lib/mentions.ts): a guest may be called something else.
    if (!/^[A-Za-z0-9_-]{3,32}$/.test(name) || !key.startsWith(wanted) || seen.has(key)) continue;
    seen.add(key);
    found.push(name);
  }
  return found.sort((a, b) => a.length - b.length || a.localeCompare(b)).slice(0, limit);
}
