// Property-based: generated bodies on every HTTP route that takes one (any JSON,
// wrong types, odd strings, non-JSON text, wrong or missing content types, odd
// room names in the path) are answered in the contract's shape with a fitting
// status, never 500, and the server keeps serving.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anyValue,
  assertProperty,
  batchOf,
  BATCH,
  isErrorBody,
  oddString,
  payload,
  percentEncode,
  RUNS,
  shortOddString,
} from "../../lib/testing/arbitraries";
import { ADMIN_TOKEN, sessionCookie, startTestServer, type TestServer } from "../testing/test-server";

let app: TestServer;
let cookie = "";
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  app = await startTestServer({}, { authLimits: { loginFailuresPerIp: { limit: 1e9, windowMs: 60_000 }, registrationsPerIp: { limit: 1e9, windowMs: 60_000 } } });
  const registered = await app.request("/api/auth/register", { method: "POST", json: { username: "fuzzer", password: "correct horse" } });
  cookie = sessionCookie(registered);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await app.close();
});

const name = fc.oneof(fc.constantFrom("fuzzer", "Fuzzer", "fuzzer2", "anon", "an0n", "fuzzer_new"), oddString);
const password = fc.oneof(fc.constantFrom("correct horse", "wrong horse!", "short", "p".repeat(73)), oddString);
const credentials = payload({ username: name, password });
const roomInPath = fc.oneof(fc.constantFrom("lobby", "fuzz-http", "%E0%A4%A", "..", "%2e%2e", "a%2Fb"), shortOddString.map(percentEncode));

const seqInPath = fc.oneof(fc.integer({ min: 0, max: 30 }).map(String), fc.constantFrom("-1", "1.5", "1e3", "99999999999999999999"), shortOddString.map(percentEncode));

const emojiInPath = fc.oneof(
  fc.constantFrom("👍", "❤", "🇫🇷", "👨‍👩‍👧", "1️⃣").map(encodeURIComponent),
  fc.constantFrom("ok", "%F0%9F", "%F0%9F%91%8D%F0%9F%91%8D", "%E2%80%AE", ""),
  shortOddString.map(percentEncode),
);

/** The conversation's routes (v1.1): edits, deletes, reactions and pins of a message by seq. */
const conversationRoutes = fc.oneof<fc.Arbitrary<{ method?: string; path: string; body: unknown }>[]>(
  fc.record({
    method: fc.constant("PATCH"),
    path: fc.tuple(roomInPath, seqInPath).map(([room, seq]) => `/api/rooms/${room}/messages/${seq}`),
    body: payload({ content: oddString }),
  }),
  fc.record({
    method: fc.constant("DELETE"),
    path: fc.tuple(roomInPath, seqInPath).map(([room, seq]) => `/api/rooms/${room}/messages/${seq}`),
    body: anyValue,
  }),
  fc.record({
    method: fc.constantFrom("PUT", "DELETE", "POST"),
    path: fc.tuple(roomInPath, seqInPath, emojiInPath).map(([room, seq, emoji]) => `/api/rooms/${room}/messages/${seq}/reactions/${emoji}`),
    body: anyValue,
  }),
  fc.record({
    method: fc.constantFrom("PUT", "DELETE"),
    path: fc.tuple(roomInPath, seqInPath).map(([room, seq]) => `/api/rooms/${room}/messages/${seq}/pin`),
    body: anyValue,
  }),
);

const routes = fc.oneof<fc.Arbitrary<{ method?: string; path: string; body: unknown }>[]>(
  fc.record({ path: fc.constant("/api/auth/register"), body: credentials }),
  fc.record({ path: fc.constant("/api/auth/login"), body: credentials }),
  fc.record({ path: fc.constant("/api/auth/logout"), body: anyValue }),
  fc.record({ path: fc.constant("/api/auth/guest"), body: payload({ name }) }),
  fc.record({
    path: roomInPath.map((room) => `/api/rooms/${room}/messages`),
    body: payload({ content: oddString, clientId: oddString, replyTo: fc.oneof(fc.integer({ min: -1, max: 30 }), anyValue) }),
  }),
  fc.record({ path: roomInPath.map((room) => `/api/admin/rooms/${room}/crash`), body: anyValue }),
  conversationRoutes,
);

/** How a body goes on the wire: JSON as it should, or text, or JSON under another content type. */
const encoding = fc.constantFrom("json", "json", "json", "text-as-json", "json-as-form", "no-type", "charset-json");
const withCookie = fc.boolean();
const withAdminToken = fc.boolean();

const request = fc.record({ route: routes, encoding, withCookie, withAdminToken, text: oddString });
const conversationRequest = fc.record({ route: conversationRoutes, encoding, withCookie, withAdminToken, text: oddString });

type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

async function send({ route, encoding, withCookie, withAdminToken, text }: Request): Promise<Response> {
  const json = JSON.stringify(route.body) ?? "null";
  const [body, type] = {
    json: [json, "application/json"],
    "charset-json": [json, "application/json; charset=utf-8"],
    "text-as-json": [text, "application/json"],
    "json-as-form": [json, "application/x-www-form-urlencoded"],
    "no-type": [json, undefined],
  }[encoding] as [string, string | undefined];
  return app.request(route.path, {
    method: route.method ?? "POST",
    body,
    headers: {
      ...(type ? { "content-type": type } : {}),
      ...(withCookie ? { cookie } : {}),
      ...(withAdminToken ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}),
    },
  });
}

const ERROR_STATUSES = new Set([400, 401, 403, 404, 405, 409, 413, 415, 429, 503]);

async function checkAnswer(response: Response): Promise<void> {
  const text = await response.text();
  const seen = `${response.status} ${text.slice(0, 300)}`;
  if (response.status === 204) {
    expect(text).toBe("");
    return;
  }
  expect(response.headers.get("content-type"), seen).toMatch(/^application\/json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  if (response.status >= 400) {
    expect(ERROR_STATUSES.has(response.status), seen).toBe(true);
    expect(isErrorBody(body.error), seen).toBe(true);
    return;
  }
  expect([200, 201], seen).toContain(response.status);
  expect(body.user ?? body.message ?? body.crashed, seen).toBeDefined();
}

describe("HTTP bodies on every route", () => {
  it(`answers ${RUNS} generated requests in the contract's shape, never 500`, async () => {
    let answered = 0;
    await assertProperty(
      fc.asyncProperty(batchOf(request), async (batch) => {
        const responses = await Promise.all(batch.map(send));
        for (const response of responses) await checkAnswer(response);
        answered += batch.length;
      }),
      RUNS / BATCH,
    );
    expect(answered).toBe(RUNS);
    expect(unhandled).toEqual([]);
    expect((await app.request("/api/health")).status).toBe(200);
  }, 120_000);
});

describe("the conversation's routes", () => {
  beforeAll(async () => {
    // Messages for the generated seqs to find: some edits, reactions and pins then succeed.
    for (let i = 1; i <= 10; i++) {
      await app.request("/api/rooms/fuzz-http/messages", {
        method: "POST",
        body: JSON.stringify({ content: `seed ${i}` }),
        headers: { "content-type": "application/json", cookie },
      });
    }
  });

  it(`answers ${RUNS} generated edits, deletes, reactions and pins in the contract's shape, never 500`, async () => {
    let answered = 0;
    await assertProperty(
      fc.asyncProperty(batchOf(conversationRequest), async (batch) => {
        const responses = await Promise.all(batch.map(send));
        for (const response of responses) await checkAnswer(response);
        answered += batch.length;
      }),
      RUNS / BATCH,
    );
    expect(answered).toBe(RUNS);
    expect(unhandled).toEqual([]);
    expect((await app.request("/api/health")).status).toBe(200);
  }, 120_000);
});
