// Property-based: generated requests on the routes of a person's rooms and read
// markers (any JSON, odd room names in the path, with or without a session) are
// answered in the contract's shape with a fitting status, never 500.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyValue, assertProperty, batchOf, BATCH, isErrorBody, payload, percentEncode, RUNS, shortOddString } from "../../lib/testing/arbitraries";
import { sessionCookie, startTestServer, type TestServer } from "../testing/test-server";

let app: TestServer;
let cookie = "";

beforeAll(async () => {
  app = await startTestServer();
  const registered = await app.request("/api/auth/register", { method: "POST", json: { username: "reader", password: "correct horse" } });
  cookie = sessionCookie(registered);
  await app.request("/api/rooms/lobby/messages", { method: "POST", json: { content: "hello" } });
});
afterAll(async () => {
  await app.close();
});

const roomInPath = fc.oneof(fc.constantFrom("lobby", "Lobby", "%E0%A4%A", "..", "a%2Fb"), shortOddString.map(percentEncode));
const seq = fc.oneof(fc.integer(), fc.double(), anyValue);

const request = fc.record({
  route: fc.oneof(
    fc.record({ method: fc.constant("PUT"), path: roomInPath.map((room) => `/api/me/rooms/${room}/read`), body: payload({ seq }) }),
    fc.record({ method: fc.constant("PUT"), path: roomInPath.map((room) => `/api/me/rooms/${room}`), body: payload({ notify: fc.oneof(fc.constantFrom("all", "mentions"), anyValue) }) }),
    fc.record({ method: fc.constant("DELETE"), path: roomInPath.map((room) => `/api/me/rooms/${room}`), body: anyValue }),
    fc.record({ method: fc.constant("GET"), path: fc.constant("/api/me/rooms"), body: fc.constant(undefined) }),
  ),
  withCookie: fc.boolean(),
});

const ERROR_STATUSES = new Set([400, 401, 403, 404, 405, 413, 415, 429]);

describe("the routes of a person's rooms", () => {
  it(`answer ${RUNS} generated requests in the contract's shape, never 500`, async () => {
    let answered = 0;
    await assertProperty(
      fc.asyncProperty(batchOf(request), async (batch) => {
        const responses = await Promise.all(
          batch.map(({ route, withCookie }) =>
            app.request(route.path, {
              method: route.method,
              headers: withCookie ? { cookie } : {},
              ...(route.body === undefined ? {} : { json: route.body }),
            }),
          ),
        );
        for (const [i, response] of responses.entries()) {
          const body = (await response.json()) as Record<string, unknown>;
          const seen = `${batch[i]!.route.method} ${batch[i]!.route.path} ${response.status} ${JSON.stringify(body).slice(0, 200)}`;
          if (response.status >= 400) {
            expect(ERROR_STATUSES.has(response.status), seen).toBe(true);
            expect(isErrorBody(body.error), seen).toBe(true);
          } else {
            expect(response.status, seen).toBe(200);
            expect(body.rooms ?? body.lastReadSeq, seen).toBeDefined();
          }
        }
        answered += batch.length;
      }),
      RUNS / BATCH,
    );
    expect(answered).toBe(RUNS);
    expect((await app.request("/api/health")).status).toBe(200);
  }, 120_000);
});
