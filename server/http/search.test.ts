// Search over HTTP on the SQLite store: GET /api/rooms/:name/search (newest first,
// paged with before) and GET /api/search (every room, best first), answered in the
// contract's shapes; and, property-based, 10,000 generated queries (query syntax,
// quotes, NEAR(, lone surrogates, very long text) never crash the server and never
// come back as a 500: whatever is typed is text.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../lib/protocol";
import { assertProperty, batchOf, BATCH, isErrorBody, oddString, percentEncode, RUNS } from "../../lib/testing/arbitraries";
import { startTestServer, type TestServer } from "../testing/test-server";

let app: TestServer;
let dataDir: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  dataDir = await mkdtemp(path.join(tmpdir(), "livechat-search-"));
  app = await startTestServer({ DATA_DIR: dataDir, STORE: "sqlite" });
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function post(room: string, content: string): Promise<Message> {
  const response = await app.request(`/api/rooms/${room}/messages`, { method: "POST", json: { content } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { message: Message }).message;
}

async function search(pathAndQuery: string): Promise<{ status: number; messages: Message[]; body: unknown }> {
  const response = await app.request(pathAndQuery);
  const body = (await response.json()) as { messages?: Message[] };
  return { status: response.status, messages: body.messages ?? [], body };
}

describe("GET /api/rooms/:name/search", () => {
  it("answers a room's matching messages newest first, with the matched words highlighted, and pages with before", async () => {
    for (const content of ["Release notes are out", "lunch?", "release candidate 2", "the release went fine"]) await post("search-pages", content);
    const first = await search("/api/rooms/search-pages/search?q=release&limit=2");
    expect(first.status).toBe(200);
    expect(first.messages.map((m) => [m.seq, m.content, m.highlight])).toEqual([
      [4, "the release went fine", [[4, 11]]],
      [3, "release candidate 2", [[0, 7]]],
    ]);
    const next = await search(`/api/rooms/search-pages/search?q=release&limit=2&before=${first.messages.at(-1)!.seq}`);
    expect(next.messages.map((m) => m.seq)).toEqual([1]);
  });

  it("answers invalid_payload for a missing or empty q and a bad limit, invalid_room for a bad name", async () => {
    for (const query of ["", "?q=", "?q=%20%20", "?q=x&limit=0", "?q=x&limit=101", "?q=x&before=-1", `?q=${"x".repeat(201)}`]) {
      const answer = await search(`/api/rooms/search-pages/search${query}`);
      expect(answer.status, query).toBe(400);
      expect((answer.body as { error: { code: string } }).error.code, query).toBe("invalid_payload");
    }
    const badRoom = await search("/api/rooms/a%2Fb%20c!/search?q=x");
    expect((badRoom.body as { error: { code: string } }).error.code).toBe("invalid_room");
  });

  it("finds query syntax as plain text", async () => {
    await post("search-syntax", 'she said "unbalanced and NEAR(here) AND * too');
    for (const q of ['"unbalanced', "NEAR(", "AND", "*", "here)"]) {
      const answer = await search(`/api/rooms/search-syntax/search?q=${encodeURIComponent(q)}`);
      expect(answer.status, q).toBe(200);
      expect(answer.messages.map((m) => m.seq), q).toEqual(q === "*" ? [] : [1]);
    }
  });
});

describe("GET /api/search", () => {
  it("answers matches from every room, best first", async () => {
    await post("search-everywhere-a", "a pangolin walked by, then another pangolin");
    await post("search-everywhere-b", "I saw a pangolin once, at the zoo, on a rainy Tuesday in spring");
    const answer = await search("/api/search?q=pangolin");
    expect(answer.status).toBe(200);
    expect(answer.messages.map((m) => m.room)).toEqual(["search-everywhere-a", "search-everywhere-b"]);
    expect(answer.messages[0]!.highlight).toEqual([
      [2, 10],
      [35, 43],
    ]);
  });
});

describe("search with generated queries", () => {
  const query = fc.oneof(
    { weight: 4, arbitrary: oddString },
    {
      weight: 3,
      arbitrary: fc
        .array(fc.constantFrom('"', "NEAR(", ")", "*", "^", ":", "{", "}", "AND", "OR", "NOT", "+", "-", "content:", "room:", "r1", "release", "é", "メッセージ", "北京开会", "<1>"), {
          maxLength: 8,
        })
        .map((parts) => parts.join(fc.sample(fc.constantFrom(" ", ""), 1)[0])),
    },
  );
  const request = fc.record({
    path: fc.constantFrom("/api/rooms/search-pages/search", "/api/search", "/api/rooms/never-used/search"),
    q: query,
    before: fc.option(fc.integer({ min: -2, max: 10 })),
  });

  it(`answers ${RUNS} queries with 200 or a contract error, never 500, and keeps serving`, async () => {
    const runs = await assertProperty(
      fc.asyncProperty(batchOf(request), async (batch) => {
        const answers = await Promise.all(
          batch.map(async ({ path: route, q, before }) => {
            const url = `${route}?q=${percentEncode(q)}${before === null ? "" : `&before=${before}`}`;
            const response = await app.request(url);
            const text = await response.text();
            // Node's HTTP parser refuses a request line past its 16 KB header limit before any route runs.
            if (response.status === 431) return { status: 431, body: {} };
            try {
              return { status: response.status, body: JSON.parse(text) as { messages?: Message[]; error?: unknown } };
            } catch {
              throw new Error(`${url} answered ${response.status} ${JSON.stringify(text)}`);
            }
          }),
        );
        for (const { status, body } of answers) {
          if (status === 431) continue;
          if (status === 200) {
            for (const message of body.messages!) {
              for (const [start, end] of message.highlight ?? []) expect(0 <= start && start < end && end <= message.content.length).toBe(true);
            }
          } else {
            expect(status).toBe(400);
            expect(isErrorBody(body.error)).toBe(true);
          }
        }
      }),
      RUNS / BATCH,
    );
    expect(runs).toBe(RUNS / BATCH);
    expect((await app.request("/api/health")).status).toBe(200);
    expect(unhandled).toEqual([]);
  }, 180_000);
});
