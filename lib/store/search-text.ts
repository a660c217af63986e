// What a search means, the same for every store: the text a person typed is cut
// into words (runs of letters, digits and combining marks, as SQLite's unicode61
// tokenizer cuts them), compared without case and without diacritics ("cafe"
// finds "Café"); a message matches when each word of the query is one of its words,
// or begins one when it has at least PREFIX_MIN characters ("rel" finds "release";
// "re" finds only "re": a prefix of one or two letters would match half of any
// history, which costs much and finds nothing useful; Chinese, Japanese and Korean
// terms always match as prefixes, since one or two of their characters make a word;
// and a Chinese or Japanese term of three or more characters matches anywhere inside
// a word, since their words are not spaced: "メッセージ" finds "日本語のメッセージです",
// which SQLite and PostgreSQL find through trigrams). Nothing typed is a query language: quotes,
// parentheses, NEAR, AND, `*` are just text. Highlights are the message's words
// that matched, as [start, end) offsets in its content (UTF-16 code units, as
// JavaScript strings index them).
import type { Message } from "../protocol";

/** Words a query keeps; more narrow nothing useful and cost time. */
const MAX_TERMS = 12;
/** Longer words are cut: no real word is this long, and FTS prefix queries stay cheap. */
const MAX_TERM_LENGTH = 64;

const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;
const PREFIX_MIN = 3;

/** Whether a (folded) word of a message matches a term of the query. */
function matchesTerm(word: string, term: string): boolean {
  return word === term || (isPrefixTerm(term) && word.startsWith(term)) || (isTrigramWord(term) && word.includes(term));
}

/** Chinese, Japanese and Korean characters: one or two of them make a word, and words are not spaced. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * Chinese and Japanese characters (Han, kana, half-width katakana), as ranges that both a
 * SQLite GLOB and a RegExp read. The SQLite store also indexes the messages holding any
 * of them in trigrams (sqlite-schema.ts, schema version 4, copies these ranges into its
 * triggers: changing them needs a new migration).
 */
export const TRIGRAM_CHARACTERS = "々-〇ぁ-ヿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ𠀀-𲎯";
const TRIGRAM = new RegExp(`[${TRIGRAM_CHARACTERS}]`, "u");
/** A trigram index finds strings of at least this many characters. */
const TRIGRAM_MIN = 3;

/** Whether a word is one a trigram index finds anywhere inside a run of Chinese or Japanese characters. */
export function isTrigramWord(word: string): boolean {
  return Array.from(word).length >= TRIGRAM_MIN && TRIGRAM.test(word);
}

/** The three-character windows of the content's Chinese and Japanese words (folded): what a trigram index keeps. */
export function trigramsOf(content: string): string[] {
  const trigrams = new Set<string>();
  for (const [word] of content.matchAll(WORD)) {
    const folded = fold(word);
    if (!isTrigramWord(folded)) continue;
    const characters = Array.from(folded);
    for (let i = 0; i + TRIGRAM_MIN <= characters.length; i++) trigrams.add(characters.slice(i, i + TRIGRAM_MIN).join(""));
  }
  return [...trigrams];
}

/**
 * The query's words of three or more characters holding Chinese or Japanese ones, as
 * typed (NFC, lower-cased: a trigram index folds case only), without repeats: where an
 * index of trigrams is kept (SQLite), these are found anywhere inside a run of
 * characters, where unicode61 finds only the run's beginning.
 */
export function trigramTerms(text: string): string[] {
  const terms = new Set<string>();
  for (const [word] of text.normalize("NFC").matchAll(WORD)) {
    if (isTrigramWord(word)) terms.add(Array.from(word.toLowerCase()).slice(0, MAX_TERM_LENGTH).join(""));
    if (terms.size === MAX_TERMS) break;
  }
  return [...terms];
}

export function isPrefixTerm(term: string): boolean {
  return Array.from(term).length >= PREFIX_MIN || CJK.test(term);
}

/** A word without case and diacritics, as unicode61 with remove_diacritics compares it. */
export function fold(word: string): string {
  return word.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The query's words, folded, without repeats; empty when it holds no word at all. */
export function searchTerms(text: string): string[] {
  const terms = new Set<string>();
  for (const [word] of text.matchAll(WORD)) {
    const term = fold(word).slice(0, MAX_TERM_LENGTH);
    if (term) terms.add(term);
    if (terms.size === MAX_TERMS) break;
  }
  return [...terms];
}

/**
 * The content's distinct words, folded and cut as query terms are: what an index keeps
 * so that a term equals a word, or begins one (a word longer than a term can be is
 * cut, and still begins with that term).
 */
export function indexWords(content: string): string[] {
  const words = new Set<string>();
  for (const [word] of content.matchAll(WORD)) {
    const folded = fold(word).slice(0, MAX_TERM_LENGTH);
    if (folded) words.add(folded);
  }
  return [...words];
}

/**
 * The content's words that some term matches, as [start, end) ranges, in order; where a
 * Chinese or Japanese term matches only inside a word, just the characters it matched.
 */
export function highlightRanges(content: string, terms: readonly string[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const match of content.matchAll(WORD)) {
    const word = fold(match[0]);
    const start = match.index;
    const end = start + match[0].length;
    if (terms.some((term) => word === term || (isPrefixTerm(term) && word.startsWith(term)))) {
      ranges.push([start, end]);
      continue;
    }
    const inside = terms.filter((term) => isTrigramWord(term) && word.includes(term));
    // Folding changed the word's length (a ligature, say): its offsets are not the content's, so the whole word.
    if (inside.length > 0 && word.length !== match[0].length) ranges.push([start, end]);
    else {
      for (const term of inside) {
        for (let at = word.indexOf(term); at >= 0; at = word.indexOf(term, at + term.length)) ranges.push([start + at, start + at + term.length]);
      }
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const joined: Array<[number, number]> = [];
  for (const range of ranges) {
    const last = joined.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else joined.push(range);
  }
  return joined;
}

/** True when each term matches some word of the content. */
export function matchesAll(content: string, terms: readonly string[]): boolean {
  if (terms.length === 0) return false;
  const words = Array.from(content.matchAll(WORD), (match) => fold(match[0]));
  return terms.every((term) => words.some((word) => matchesTerm(word, term)));
}

/**
 * The best `limit` of matching messages, for stores without an index that scores
 * them: most words matched (counting repeats) first, then newest; each with its highlight.
 */
export function bestFirst(matching: readonly Message[], terms: readonly string[], limit: number): Message[] {
  return matching
    .map((message) => ({ message, highlight: highlightRanges(message.content, terms) }))
    .sort(
      (a, b) =>
        b.highlight.length - a.highlight.length || b.message.sentAt.localeCompare(a.message.sentAt) || b.message.seq - a.message.seq,
    )
    .slice(0, limit)
    .map(({ message, highlight }) => ({ ...message, highlight }));
}

/** The message as a search result: with the ranges of its matched words. */
export function withHighlight(message: Message, terms: readonly string[]): Message {
  return { ...message, highlight: highlightRanges(message.content, terms) };
}

/** An FTS5 query for the terms: each one quoted (so nothing in it is syntax), long enough ones as prefixes. */
export function ftsQuery(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"${isPrefixTerm(term) ? "*" : ""}`).join(" ");
}
