// What a search means, the same for every store: the text a person typed is cut
// into words (runs of letters, digits and combining marks, as SQLite's unicode61
// tokenizer cuts them), compared without case and without diacritics ("cafe"
// finds "Café"); a message matches when each word of the query is one of its words,
// or begins one when it has at least PREFIX_MIN characters ("rel" finds "release";
// "re" finds only "re": a prefix of one or two letters would match half of any
// history, which costs much and finds nothing useful; Chinese, Japanese and Korean
// terms always match as prefixes, since one or two of their characters make a word). Nothing typed is a query language: quotes,
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
  return word === term || (isPrefixTerm(term) && word.startsWith(term));
}

/** Chinese, Japanese and Korean characters: one or two of them make a word, and words are not spaced. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

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

/** The content's words that some term matches, as [start, end) ranges, in order. */
export function highlightRanges(content: string, terms: readonly string[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const match of content.matchAll(WORD)) {
    const word = fold(match[0]);
    if (terms.some((term) => matchesTerm(word, term))) ranges.push([match.index, match.index + match[0].length]);
  }
  return ranges;
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
    .map((message) => ({ message, score: highlightRanges(message.content, terms).length }))
    .sort((a, b) => b.score - a.score || b.message.sentAt.localeCompare(a.message.sentAt) || b.message.seq - a.message.seq)
    .slice(0, limit)
    .map(({ message }) => withHighlight(message, terms));
}

/** The message as a search result: with the ranges of its matched words. */
export function withHighlight(message: Message, terms: readonly string[]): Message {
  return { ...message, highlight: highlightRanges(message.content, terms) };
}

/** An FTS5 query for the terms: each one quoted (so nothing in it is syntax), long enough ones as prefixes. */
export function ftsQuery(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"${isPrefixTerm(term) ? "*" : ""}`).join(" ");
}
