// Names and contents as the contract defines them. Pure functions, shared by the
// server (which enforces them) and the browser (which gives early feedback).
import { ChatError } from "./errors";

export const ROOM_NAME_MAX = 64;
const MESSAGE_MAX = 2000;
/** Longer search text narrows nothing (a query keeps a dozen words) and costs time. */
const SEARCH_TEXT_MAX = 200;
const PASSWORD_MIN = 8;
export const PASSWORD_MAX_BYTES = 72;
export const GUEST_DEFAULT_NAME = "anon";
/** A room's topic is plain text of at most this many characters. */
export const TOPIC_MAX = 300;

// Letters may carry combining marks (Devanagari vowel signs, the dot of a lower-cased İ).
const ROOM_NAME = /^[\p{L}\p{N}_.-][\p{L}\p{M}\p{N}_.-]{0,63}$/u;
const ONLY_DOTS = /^\.+$/;
const USERNAME = /^[A-Za-z0-9_-]{3,32}$/;

// Bidi controls (LRE..RLO, LRI..PDI, LRM, RLM, ALM) and zero-width characters
// (ZWSP, ZWNJ, ZWJ, word joiner, BOM): invisible, they make two names look alike.
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;

/**
 * Valid names as given and as judged: every message names its room, and judging a name
 * (normalization, a script test per character) cost more than the rest of its checks.
 */
const judgedRoomNames = new Map<string, string>();
const JUDGED_NAMES_MAX = 1024;
const JUDGED_INPUT_MAX = 4 * ROOM_NAME_MAX;

/**
 * Lobby, " lobby ", "LOBBY" all name the room "lobby"; inner spaces become "-".
 * A name may not mix scripts (Latin with Cyrillic, say), and a Cyrillic or Greek
 * name made only of letters that look Latin is the Latin room it looks like, so
 * no room name can pose as another.
 */
export function normalizeRoomName(input: string): string {
  const known = judgedRoomNames.get(input);
  if (known !== undefined) return known;
  const name = judgeRoomName(input);
  // Bounded: a flood of distinct names only empties it now and then.
  if (input.length <= JUDGED_INPUT_MAX) {
    if (judgedRoomNames.size >= JUDGED_NAMES_MAX) judgedRoomNames.clear();
    judgedRoomNames.set(input, name);
  }
  return name;
}

function judgeRoomName(input: string): string {
  if (INVISIBLE.test(input)) {
    throw new ChatError("invalid_room", "A room name may not contain invisible or text-direction characters.");
  }
  const name = input.trim().normalize("NFKC").toLowerCase().replace(/\s+/g, "-");
  // "." and ".." are path segments, not rooms: a URL could never reach them.
  if (!ROOM_NAME.test(name) || ONLY_DOTS.test(name)) {
    throw new ChatError(
      "invalid_room",
      `A room name is 1 to ${ROOM_NAME_MAX} letters, digits, "-", "_" or "." (not only dots).`,
    );
  }
  const scripts = scriptsOf(name);
  if (!isSingleScript(scripts)) {
    throw new ChatError(
      "invalid_room",
      `A room name may not mix characters of different scripts (this one mixes ${[...scripts].join(" and ")}).`,
    );
  }
  return toLatinLookAlike(name, scripts) ?? name;
}

// The scripts a room name's characters are told apart by; any other script counts as "Other".
const SCRIPTS = [
  "Latin", "Greek", "Cyrillic", "Armenian", "Hebrew", "Arabic", "Syriac", "Thaana", "Devanagari", "Bengali",
  "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai", "Lao",
  "Tibetan", "Myanmar", "Georgian", "Hangul", "Ethiopic", "Cherokee", "Khmer", "Mongolian", "Hiragana",
  "Katakana", "Bopomofo", "Han",
].map((script) => [script, new RegExp(`^\\p{Script=${script}}$`, "u")] as const);
/** Japanese, Chinese and Korean names mix these with each other and with Latin. */
const EAST_ASIAN = new Set(["Han", "Hiragana", "Katakana", "Hangul", "Bopomofo"]);
// Characters shared by scripts (ASCII digits, "-", the Japanese long-vowel mark ー, a
// combining acute) belong to none of them.
const SHARED = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/**
 * The scripts of every character that has one: letters, but also numerals and marks
 * of a script (a Greek acrophonic numeral is Greek though not a letter), so that no
 * character of another script can sit unnoticed in a Latin name.
 */
function scriptsOf(name: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of name) {
    if (SHARED.test(char)) continue;
    scripts.add(SCRIPTS.find(([, pattern]) => pattern.test(char))?.[0] ?? "Other");
  }
  return scripts;
}

function isSingleScript(scripts: Set<string>): boolean {
  const others = [...scripts].filter((script) => !EAST_ASIAN.has(script));
  if (others.length > 1) return false;
  return others.length === 0 || others[0] === "Latin" || others.length === scripts.size;
}

// Lower-case Cyrillic and Greek letters that look like a Latin letter (a subset of
// Unicode's confusables.txt, UTS #39). A Map, never an object: input never becomes a key of {}.
const LATIN_LOOK_ALIKES = new Map(
  Object.entries({
    а: "a", е: "e", о: "o", р: "p", с: "c", у: "y", х: "x", і: "i", ј: "j", ѕ: "s", һ: "h", ԁ: "d",
    ԛ: "q", ԝ: "w", ӏ: "l", ү: "y",
    α: "a", ο: "o", ρ: "p", ι: "i", ν: "v", υ: "u", κ: "k", χ: "x", γ: "y", ϲ: "c", ϳ: "j",
  }),
);

/** A Cyrillic or Greek name whose every letter looks Latin, spelt in Latin; otherwise undefined. */
function toLatinLookAlike(name: string, scripts: Set<string>): string | undefined {
  if (scripts.size !== 1 || !(scripts.has("Cyrillic") || scripts.has("Greek"))) return undefined;
  let latin = "";
  for (const char of name) {
    if (SHARED.test(char)) latin += char;
    else if (LATIN_LOOK_ALIKES.has(char)) latin += LATIN_LOOK_ALIKES.get(char);
    // A letter of its own, or a Cyrillic or Greek numeral or mark, keeps the name as written.
    else return undefined;
  }
  // A combining mark kept from the original may now compose with its Latin letter.
  return latin.normalize("NFKC");
}

/**
 * What a username looks like, for telling look-alikes apart: lower-cased, with
 * 0 read as o, 1 and i as l (a capital I looks like l), m as "rn" and w as "vv".
 * (Spelling m out, not folding "rn" in, keeps it unambiguous: "vvv" is both "vw"
 * and "wv".) Two names with one skeleton cannot both be registered, nor a guest take one.
 */
export function usernameSkeleton(name: string): string {
  return name.toLowerCase().replace(/m/g, "rn").replace(/w/g, "vv").replace(/0/g, "o").replace(/[1i]/g, "l");
}

export function isValidUsername(name: string): boolean {
  return USERNAME.test(name);
}

export function assertUsername(name: string): string {
  if (!isValidUsername(name)) {
    throw new ChatError("invalid_payload", "A name is 3 to 32 letters, digits, \"_\" or \"-\".");
  }
  return name;
}

export function assertPassword(password: string): string {
  if (Array.from(password).length < PASSWORD_MIN || new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) {
    throw new ChatError(
      "invalid_payload",
      `A password is at least ${PASSWORD_MIN} characters and at most ${PASSWORD_MAX_BYTES} bytes.`,
    );
  }
  return password;
}

/** Trims the content and checks its length in characters (code points). */
export function normalizeContent(input: string): string {
  const content = input.trim();
  // A text has no more code points than UTF-16 units: only a long one needs counting (every message passes here).
  const length = content.length > MESSAGE_MAX ? Array.from(content).length : content.length;
  if (length < 1 || length > MESSAGE_MAX) {
    throw new ChatError("invalid_message", `A message is 1 to ${MESSAGE_MAX} characters after trimming.`);
  }
  return content;
}

/** A room's topic: plain text on one line, trimmed, at most TOPIC_MAX characters ("" clears it). */
export function normalizeTopic(input: string): string {
  // Line breaks and other control characters become spaces: a topic is one line of text.
  const topic = input.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  if ([...topic].length > TOPIC_MAX) {
    throw new ChatError("invalid_payload", `A topic is at most ${TOPIC_MAX} characters.`);
  }
  return topic;
}

/** Trims search text and checks its length in characters (code points); any text is allowed, none of it is syntax. */
export function normalizeSearchText(input: string): string {
  const text = input.trim();
  const length = Array.from(text).length;
  if (length < 1 || length > SEARCH_TEXT_MAX) {
    throw new ChatError("invalid_payload", `Search text is 1 to ${SEARCH_TEXT_MAX} characters after trimming.`);
  }
  return text;
}
