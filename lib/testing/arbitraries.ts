// fast-check generators for the property-based tests: hostile and odd input of
// every kind a client could send, and the contract's answer shapes to check
// against. Test support only; nothing in the app imports this.
import fc from "fast-check";
import { ERROR_CODES, type ErrorCode } from "../protocol";

/** Every property test runs at least this many generated inputs per surface. */
export const RUNS = 10_000;
/**
 * Inputs sent to a server at once: each property run is one batch, so a run of
 * RUNS / BATCH batches covers RUNS inputs without waiting on each round trip.
 */
export const BATCH = 100;

/** A batch of BATCH inputs, for properties that send them to a server concurrently. */
export function batchOf<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc.array(arbitrary, { minLength: BATCH, maxLength: BATCH });
}

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/** Characters that break naive code: bidi and zero-width, lone surrogates, NUL, look-alikes. */
const oddCharacter = fc.constantFrom(
  "\u202E", "\u200B", "\u200D", "\uFEFF", "\u2066", "\uD800", "\uDFFF", "\u0000", "\u0301", "\u0430", "\u03BF",
  "İ", "ß", "ﬁ", "Ⅻ", "🎉", "👩‍👩‍👧", "東", "\n", "\t", " ", "/", "%", "..", "__proto__", "constructor",
);

/** Short strings from plain to hostile: ASCII, any code point, odd characters. */
export const shortOddString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(oddCharacter, fc.string({ maxLength: 4 })), { maxLength: 40 }).map((parts) => parts.join("")) },
);

/** Strings from plain to hostile, and some very long. */
export const oddString = fc.oneof(
  { weight: 7, arbitrary: shortOddString },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 300 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("a", "é", "🎉", "\u0001", '"'), fc.integer({ min: 1, max: 2100 })).map(([c, n]) => c.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 2000, max: 4000 }).map((n) => "x".repeat(n)) },
);

/** Any JSON-ish value, including prototype-polluting keys and odd strings. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything({ withNullPrototype: true, withBoxedValues: false, maxDepth: 3 }) },
  { weight: 1, arbitrary: oddString },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 0, -1, 1e308, NaN, true, [], {}, [[]], { __proto__: { room: "x" } }) },
);

/** A value for a field: usually the right type, often not. */
function fieldValue(right: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: right }, { weight: 1, arbitrary: anyValue });
}

/** An object with some of the given fields, some odd extra keys, or not an object at all. */
export function payload(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const record = fc
    .record(
      Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, fieldValue(value)])),
      { requiredKeys: [] },
    )
    .chain((base) =>
      fc
        .dictionary(fc.constantFrom("__proto__", "constructor", "extra", "ok", "error"), anyValue, { maxKeys: 2 })
        .map((extra) => ({ ...extra, ...base })),
    );
  return fc.oneof({ weight: 4, arbitrary: record }, { weight: 1, arbitrary: anyValue });
}

/** Whether `value` is `{ code, message }` with a contract code and a sentence. */
export function isErrorBody(value: unknown): value is { code: ErrorCode; message: string } {
  if (typeof value !== "object" || value === null) return false;
  const { code, message } = value as { code?: unknown; message?: unknown };
  return typeof code === "string" && KNOWN_CODES.has(code) && typeof message === "string" && message.length > 0;
}

/**
 * Runs a property like fc.assert, but stops at the first failure without shrinking
 * (a batch against a live server does not shrink usefully) and reports it briefly:
 * generated inputs can be megabytes long.
 */
export async function assertProperty<Ts extends [unknown, ...unknown[]]>(property: fc.IRawProperty<Ts>, numRuns: number) {
  const details = await fc.check(property, { numRuns, endOnFailure: true });
  if (!details.failed) return details.numRuns;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `property failed after ${details.numRuns} runs (seed ${details.seed}, replay with FC_SEED=${details.seed}): ${error.slice(0, 1500)}\n` +
      `counterexample, first 1500 characters: ${fc.stringify(details.counterexample).slice(0, 1500)}`,
  );
}

/** Percent-encodes what it can; lone surrogates go as the raw bytes a careless client would send. */
export function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return "%ED%A0%80" + encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, ""));
  }
}
