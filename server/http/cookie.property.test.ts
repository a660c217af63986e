// Property-based: session cookies that are forged (another secret, random text,
// seal-shaped junk), tampered (one character changed, cut short, lengthened),
// expired, or sealed right around hostile data. Each one is read as no more than
// it proves: never someone else, never an error, over HTTP and in the handshake.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sealSession, unsealSession } from "../../lib/accounts/session";
import {
  assertProperty,
  batchOf,
  BATCH,
  isErrorBody,
  percentEncode,
  RUNS,
  shortOddString,
} from "../../lib/testing/arbitraries";
import { reportingSeed, sampleSeed } from "../../lib/testing/seed";
import { startTestServer, type TestServer } from "../testing/test-server";

const SECRET = "the-cookie-fuzzing-secret-0123456789abcdef";
const OTHER_SECRET = "some-other-site-secret-0123456789abcdefgh";
const USER = "fuzzer";
const HANDSHAKES = 500;

let app: TestServer;
let valid: string[] = [];
let forged: string[] = [];
let expired: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  // Sealed a month ago with a week's life: expired by three weeks, far past iron's clock skew.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() - 30 * 24 * 60 * 60 * 1000);
  expired = await Promise.all(Array.from({ length: 20 }, () => sealSession({ username: USER, version: 0 }, [SECRET])));
  vi.useRealTimers();
  valid = await Promise.all(Array.from({ length: 20 }, () => sealSession({ username: USER, version: 0 }, [SECRET])));
  forged = await Promise.all(Array.from({ length: 20 }, () => sealSession({ username: USER, version: 0 }, [OTHER_SECRET])));
  app = await startTestServer({ SESSION_SECRET: SECRET });
  await app.request("/api/auth/register", { method: "POST", json: { username: USER, password: "correct horse" } });
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await app.close();
});

type Kind = "forged" | "expired" | "tampered" | "hostile";
interface Case {
  kind: Kind;
  value: string;
  /** For hostile seals: whether the sealed data truly names the user's current session. */
  names?: boolean;
}

const tamper = (seal: string) =>
  fc.oneof(
    fc.tuple(fc.nat(), fc.constantFrom("A", "b", "0", "*", "~", "-", "_")).map(([at, char]) => {
      const index = at % seal.length;
      return seal.slice(0, index) + char + seal.slice(index + 1);
    }),
    fc.nat().map((at) => seal.slice(0, at % seal.length)),
    shortOddString.map((tail) => seal + tail),
    fc.constant(seal.split("*").reverse().join("*")),
  );

// Short enough to fit a cookie: past Node's 16 KB of headers a request is refused (431) before the app sees it.
const smallValue = fc.oneof(shortOddString, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 0, 1, 1.5, 2 ** 53, "0"));
const hostileData = fc.record(
  { username: fc.oneof(fc.constantFrom(USER, "FUZZER", "fuzzer2"), smallValue), version: smallValue, guestName: smallValue },
  { requiredKeys: [] },
);

const cookieCase: fc.Arbitrary<Case> = fc.oneof(
  fc.oneof(
    fc.nat(19).map((i) => forged[i]!),
    shortOddString,
    fc.integer({ min: 1000, max: 8000 }).map((n) => "x".repeat(n)),
    fc.array(fc.string({ unit: "binary-ascii", maxLength: 30 }), { minLength: 8, maxLength: 8 }).map((parts) => "Fe26.2*" + parts.join("*") + "~2"),
  ).map((value): Case => ({ kind: "forged", value })),
  fc.nat(19).map((i): Case => ({ kind: "expired", value: expired[i]! })),
  fc.nat(19).chain((i) => tamper(valid[i]!)).map((value): Case => ({ kind: "tampered", value })),
  hostileData.chain((data) =>
    fc.constant(data).map((sealed): Case => {
      // A version that is no whole number is dropped, which reads as version 0: only
      // the server's secret can seal one, so that grants nothing a seal does not.
      const version = Number.isSafeInteger(sealed.version) && (sealed.version as number) >= 0 ? sealed.version : 0;
      const names = typeof sealed.username === "string" && sealed.username.toLowerCase() === USER && version === 0;
      return { kind: "hostile", value: JSON.stringify(sealed), names };
    }),
  ),
);

/** Hostile cases carry their data as JSON until sealed here, with the server's own secret. */
async function cookieValue(item: Case): Promise<string> {
  if (item.kind !== "hostile") return item.value;
  return sealSession(JSON.parse(item.value) as Record<string, unknown>, [SECRET]);
}

/** Who the server may take this cookie for: the user only where the cookie proves it. */
function allowed(item: Case, who: { username: string; guest: boolean }): boolean {
  if (who.guest) return true;
  if (who.username !== USER) return false;
  if (item.kind === "tampered") return true; // a change iron ignores still names the same session
  return item.kind === "hostile" && item.names === true;
}

const cookieHeader = (value: string) => `livechat_session=${percentEncode(value)}`;

describe("session cookies over generated input", () => {
  it(`read as no more than they prove when unsealed (${RUNS} inputs)`, async () => {
    await assertProperty(
      fc.asyncProperty(cookieCase, async (item) => {
        const session = await unsealSession(await cookieValue(item), [SECRET]);
        if (item.kind === "forged" || item.kind === "expired") expect(session).toEqual({});
        for (const [key, value] of Object.entries(session)) {
          expect(["username", "version", "guestName"]).toContain(key);
          expect(["string", "number"]).toContain(typeof value);
        }
      }),
      RUNS,
    );
  }, 60_000);

  it(`never make GET /api/auth/me answer someone the cookie does not prove (${RUNS} inputs)`, async () => {
    await assertProperty(
      fc.asyncProperty(batchOf(cookieCase), async (batch) => {
        const answers = await Promise.all(
          batch.map(async (item) => {
            const response = await app.request("/api/auth/me", { headers: { cookie: cookieHeader(await cookieValue(item)) } });
            const text = await response.text();
            expect(response.status, `${item.kind} ${item.value.slice(0, 200)}: ${response.status} ${text.slice(0, 200)}`).toBe(200);
            return { item, status: response.status, body: JSON.parse(text) as { user: { username: string; guest: boolean } } };
          }),
        );
        for (const { item, status, body } of answers) {
          expect(status).toBe(200);
          expect(allowed(item, body.user), `${item.kind} ${JSON.stringify(body)}`).toBe(true);
        }
      }),
      RUNS / BATCH,
    );
    expect(unhandled).toEqual([]);
  }, 120_000);

  it(`never let a Socket.IO handshake in as someone the cookie does not prove (${HANDSHAKES} handshakes)`, async () => {
    const seed = sampleSeed();
    const cases = fc.sample(cookieCase, { numRuns: HANDSHAKES, seed });
    await reportingSeed(seed, async () => {
      for (let i = 0; i < cases.length; i += 25) {
        await Promise.all(
          cases.slice(i, i + 25).map(async (item) => {
            const outcome = await app.connect({ cookie: cookieHeader(await cookieValue(item)) }).then(
              async (client) => {
                const reply = (await client.timeout(5000).emitWithAck("room:join", { room: "cookie-fuzz" })) as {
                  ok: boolean;
                  you: { username: string; guest: boolean };
                };
                client.disconnect();
                return reply;
              },
              (error: Error & { data?: unknown }) => ({ refused: error.data }),
            );
            if ("refused" in outcome) expect(isErrorBody(outcome.refused), `${item.kind} ${item.value.slice(0, 200)} ${JSON.stringify(outcome)}`).toBe(true);
            else expect(allowed(item, outcome.you), `${item.kind} ${JSON.stringify(outcome.you)}`).toBe(true);
          }),
        );
      }
    });
    expect(unhandled).toEqual([]);
  }, 120_000);
});
