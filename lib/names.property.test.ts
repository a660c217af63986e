// Property-based: room names and usernames over generated strings of every kind.
// A name is either refused with its contract code or comes out in a form that
// obeys every rule: valid, stable, visible, one script, and never a look-alike.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChatError } from "./errors";
import { assertUsername, isValidUsername, normalizeRoomName, ROOM_NAME_MAX, usernameSkeleton } from "./names";
import { oddString, RUNS } from "./testing/arbitraries";

const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;
const CYRILLIC_OR_GREEK = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
const LATIN = /\p{Script=Latin}/u;

/** Room-name candidates: hostile strings, and real names with look-alikes and invisibles mixed in. */
const roomCandidate = fc.oneof(
  oddString,
  fc
    .tuple(
      fc.constantFrom("lobby", "Москва", "東京", "café", "poe", "general", "αθήνα"),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom("\u0430", "\u043E", "\u03BF", "\u200B", "\u202E", " ", "-", "Ａ", "\u0301")), { maxLength: 3 }),
    )
    .map(([name, inserts]) =>
      inserts.reduce<string>((text, [at, char]) => {
        const index = at % (text.length + 1);
        return text.slice(0, index) + char + text.slice(index);
      }, name),
    ),
);

function outcome<T>(run: () => T): { ok: true; value: T } | { ok: false; code: string } {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof ChatError) return { ok: false, code: error.code };
    throw error;
  }
}

describe("room names over generated input", () => {
  it(`refuse with invalid_room or give a valid, stable, single-script name (${RUNS} inputs)`, () => {
    fc.assert(
      fc.property(roomCandidate, (input) => {
        const result = outcome(() => normalizeRoomName(input));
        if (!result.ok) {
          expect(result.code).toBe("invalid_room");
          return;
        }
        const name = result.value;
        expect(Array.from(name).length).toBeGreaterThanOrEqual(1);
        expect(Array.from(name).length).toBeLessThanOrEqual(ROOM_NAME_MAX);
        expect(name).not.toMatch(INVISIBLE);
        expect(name).not.toMatch(/[\s/?#%<>]/u);
        expect(name).toBe(name.toLowerCase());
        // Normalising again changes nothing: a name in a URL is the room it names.
        expect(normalizeRoomName(name)).toBe(name);
        // Never Latin beside Cyrillic or Greek letters.
        expect(LATIN.test(name) && CYRILLIC_OR_GREEK.test(name)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Turns a name into one that looks like it: I for l, 1 for l, 0 for o, rn for m, vv for w, other case. */
const lookAlikeOf = (name: string) =>
  fc
    .array(fc.constantFrom("case", "I", "1", "0", "rn", "vv"), { minLength: 1, maxLength: 4 })
    .map((edits) =>
      edits.reduce((text, edit) => {
        if (edit === "case") return text.toUpperCase();
        if (edit === "I") return text.replace("l", "I");
        if (edit === "1") return text.replace("l", "1");
        if (edit === "0") return text.replace("o", "0");
        if (edit === "rn") return text.replace("m", "rn");
        return text.replace("w", "vv");
      }, name),
    );

describe("usernames over generated input", () => {
  it(`are valid exactly when assertUsername accepts them, else invalid_payload (${RUNS} inputs)`, () => {
    fc.assert(
      fc.property(fc.oneof(oddString, fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/)), (input) => {
        const result = outcome(() => assertUsername(input));
        expect(result.ok).toBe(isValidUsername(input));
        if (!result.ok) expect(result.code).toBe("invalid_payload");
        else expect(input).toMatch(/^[A-Za-z0-9_-]{3,32}$/);
      }),
      { numRuns: RUNS },
    );
  });

  it(`give every look-alike the skeleton of the name it imitates (${RUNS} inputs)`, () => {
    const name = fc.stringMatching(/^[a-z0-9_-]{3,24}$/);
    fc.assert(
      fc.property(name.chain((original) => fc.tuple(fc.constant(original), lookAlikeOf(original))), ([original, lookAlike]) => {
        expect(usernameSkeleton(lookAlike)).toBe(usernameSkeleton(original));
      }),
      { numRuns: RUNS },
    );
  });
});
