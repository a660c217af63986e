// Property-based: rooms with owners with generated input. room:configure and
// room:moderate over Socket.IO (as the room's owner and as a guest), and PATCH
// /api/rooms/:name, POST /api/rooms/:name/moderation and POST
// /api/rooms/:name/invites over HTTP (as the owner, the admin token or nobody, in
// every encoding): each answer is in the contract's shape, never `internal` or 500,
// and the server keeps serving.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyValue, assertProperty, batchOf, BATCH, isErrorBody, oddString, payload, percentEncode, RUNS, shortOddString } from "../lib/testing/arbitraries";
import { MODERATION_ACTIONS, VISIBILITIES } from "../lib/protocol";
import { ADMIN_TOKEN, sessionCookie, startTestServer, type TestClient, type TestServer } from "./testing/test-server";

/** The room the owner keeps; generated names often normalise to it. */
const OWNED = "fuzz-owned";

let app: TestServer;
let owner: TestClient;
let guest: TestClient;
let ownerCookie = "";
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  app = await startTestServer({}, { authLimits: { registrationsPerIp: { limit: 1000, windowMs: 60_000 } } });
  for (const username of ["fuzzkim", "fuzzlee"]) {
    expect((await app.request("/api/auth/register", { method: "POST", json: { username, password: "correct horse" } })).status).toBe(201);
  }
  const registered = await app.request("/api/auth/register", { method: "POST", json: { username: "fuzzowner", password: "correct horse" } });
  ownerCookie = sessionCookie(registered);
  owner = await app.connect({ cookie: ownerCookie });
  guest = await app.connect({ name: "fuzzguest" });
  for (const client of [owner, guest]) expect((await client.timeout(5000).emitWithAck("room:join", { room: OWNED })).ok).toBe(true);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await app.close();
});

const roomField = fc.oneof(fc.constantFrom(OWNED, "FUZZ-Owned ", "lobby"), oddString);
const username = fc.oneof(fc.constantFrom("fuzzkim", "FuzzLee", "fuzzowner", "fuzzguest", "anon", "nobody"), oddString);
const settingsFields = {
  topic: oddString,
  visibility: fc.constantFrom(...VISIBILITIES, "secret", ""),
  readOnly: fc.boolean(),
  slowModeS: fc.oneof(fc.integer({ min: 0, max: 3600 }), fc.integer(), fc.double()),
};
const moderationFields = {
  action: fc.constantFrom(...MODERATION_ACTIONS, "explode", "KICK", "__proto__"),
  username,
  reason: oddString,
  durationS: fc.oneof(fc.integer({ min: 1, max: 365 * 24 * 3600 }), fc.integer(), fc.double()),
  address: fc.boolean(),
};

/** Answers that were a success: the generators reach the paths past validation too. */
let succeeded = 0;

function checkAck(event: string, ack: unknown): void {
  if (ack === "no ack") return;
  const reply = ack as { ok?: unknown; error?: unknown; settings?: Record<string, unknown> };
  const seen = JSON.stringify(ack).slice(0, 300);
  if (reply.ok === false) {
    expect(isErrorBody(reply.error), seen).toBe(true);
    expect((reply.error as { code: string }).code, seen).not.toBe("internal");
    return;
  }
  expect(reply.ok, seen).toBe(true);
  succeeded++;
  if (event === "room:configure") checkSettings(reply.settings, seen);
  else expect(Object.keys(reply), seen).toEqual(["ok"]);
}

function checkSettings(settings: Record<string, unknown> | undefined, seen: string): void {
  expect(settings, seen).toMatchObject({
    topic: expect.any(String),
    readOnly: expect.any(Boolean),
    slowModeS: expect.any(Number),
    moderators: expect.any(Array),
    pinned: expect.any(Array),
  });
  expect(VISIBILITIES, seen).toContain(settings!.visibility);
  expect([...(settings!.topic as string)].length, seen).toBeLessThanOrEqual(300); // characters, not UTF-16 units
}

async function emitRaw(client: TestClient, event: string, args: unknown[], withAck: boolean): Promise<unknown> {
  const raw = client as unknown as {
    emit(event: string, ...args: unknown[]): void;
    timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  };
  if (!withAck) {
    raw.emit(event, ...args);
    return "no ack";
  }
  return raw.timeout(10_000).emitWithAck(event, ...args);
}

const socketSurfaces: Array<[string, fc.Arbitrary<unknown>]> = [
  ["room:configure", payload({ room: roomField, ...settingsFields })],
  ["room:moderate", payload({ room: roomField, ...moderationFields })],
];

describe.each(socketSurfaces)("%s with generated payloads", (event, arbitrary) => {
  it(`answers ${RUNS} of them in the contract's shape and stays connected`, async () => {
    let answered = 0;
    succeeded = 0;
    const call = fc.tuple(fc.boolean(), arbitrary, fc.array(anyValue, { maxLength: 2 }), fc.boolean());
    await assertProperty(
      fc.asyncProperty(batchOf(call), async (batch) => {
        const acks = await Promise.all(batch.map(([asOwner, first, extra, withAck]) => emitRaw(asOwner ? owner : guest, event, [first, ...extra], withAck)));
        for (const ack of acks) checkAck(event, ack);
        answered += batch.length;
      }),
      RUNS / BATCH,
    );
    expect(answered).toBe(RUNS);
    expect(succeeded).toBeGreaterThan(0);
    expect(owner.connected).toBe(true);
    expect(guest.connected).toBe(true);
    expect(unhandled).toEqual([]);
    expect((await app.request("/api/health")).status).toBe(200);
  }, 180_000);
});

const roomInPath = fc.oneof(fc.constantFrom(OWNED, "lobby", "%E0%A4%A", "..", "%2e%2e", "a%2Fb"), shortOddString.map(percentEncode));
const routes = fc.oneof(
  fc.record({ method: fc.constant("PATCH"), path: roomInPath.map((room) => `/api/rooms/${room}`), body: payload(settingsFields) }),
  fc.record({ method: fc.constant("POST"), path: roomInPath.map((room) => `/api/rooms/${room}/moderation`), body: payload(moderationFields) }),
  fc.record({
    method: fc.constant("POST"),
    path: roomInPath.map((room) => `/api/rooms/${room}/invites`),
    body: payload({ expiresInS: fc.oneof(fc.integer({ min: 60, max: 30 * 24 * 3600 }), fc.integer(), fc.double()) }),
  }),
);
/** How a body goes on the wire: JSON as it should, or text, or JSON under another content type. */
const encoding = fc.constantFrom("json", "json", "json", "text-as-json", "json-as-form", "no-type", "empty");
const who = fc.constantFrom("owner", "admin", "nobody");
const request = fc.record({ route: routes, encoding, who, text: oddString });
type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

function send({ route, encoding, who, text }: Request): Promise<Response> {
  const json = JSON.stringify(route.body) ?? "null";
  const [body, type] = {
    json: [json, "application/json"],
    "text-as-json": [text, "application/json"],
    "json-as-form": [json, "application/x-www-form-urlencoded"],
    "no-type": [json, undefined],
    empty: [undefined, "application/json"],
  }[encoding] as [string | undefined, string | undefined];
  return app.request(route.path, {
    method: route.method,
    ...(body === undefined ? {} : { body }),
    headers: {
      ...(type ? { "content-type": type } : {}),
      ...(who === "owner" ? { cookie: ownerCookie } : {}),
      ...(who === "admin" ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}),
    },
  });
}

const ERROR_STATUSES = new Set([400, 401, 403, 404, 405, 409, 413, 415, 429, 503]);
const SUCCESS = { PATCH: 200, moderation: 204, invites: 201 } as const;

async function checkAnswer(route: Request["route"], response: Response): Promise<void> {
  const text = await response.text();
  const seen = `${route.method} ${route.path.slice(0, 80)}: ${response.status} ${text.slice(0, 300)}`;
  if (response.status >= 400) {
    expect(ERROR_STATUSES.has(response.status), seen).toBe(true);
    expect(response.headers.get("content-type"), seen).toMatch(/^application\/json/);
    expect(isErrorBody((JSON.parse(text) as { error?: unknown }).error), seen).toBe(true);
    return;
  }
  const kind = route.method === "PATCH" ? "PATCH" : route.path.endsWith("/moderation") ? "moderation" : "invites";
  expect(response.status, seen).toBe(SUCCESS[kind]);
  succeeded++;
  if (kind === "moderation") return expect(text, seen).toBe("");
  const body = JSON.parse(text) as { settings?: Record<string, unknown>; url?: unknown };
  if (kind === "PATCH") return checkSettings(body.settings, seen);
  expect(body.url, seen).toMatch(/^\/rooms\/[^/?]+\?invite=[\w-]+\.[\w-]+$/);
}

describe("PATCH /api/rooms/:name, POST …/moderation and POST …/invites with generated bodies", () => {
  it(`answers ${RUNS} generated requests in the contract's shape, never 500`, async () => {
    let answered = 0;
    succeeded = 0;
    await assertProperty(
      fc.asyncProperty(batchOf(request), async (batch) => {
        const responses = await Promise.all(batch.map(send));
        for (const [index, response] of responses.entries()) await checkAnswer(batch[index]!.route, response);
        answered += batch.length;
      }),
      RUNS / BATCH,
    );
    expect(answered).toBe(RUNS);
    expect(succeeded).toBeGreaterThan(0);
    expect(unhandled).toEqual([]);
    expect((await app.request("/api/health")).status).toBe(200);
    expect(owner.connected).toBe(true);
  }, 180_000);
});
