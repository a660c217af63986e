// PostgreSQL's full-text search as the store uses it, on a real PostgreSQL: the search
// contract itself runs in postgres.test.ts (the Store contract suite); here, what only
// the database shows: the index follows content whoever changes it, messages stored
// before the index existed are found and then indexed, and a query is answered from
// the GIN index rather than by reading the room.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgresServer, type PostgresServer } from "../../server/postgres-server";
import { openPostgresStore } from "./postgres";
import type { MessageDraft } from "./store";

let server: PostgresServer;
let dir: string;
let databases = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "livechat-postgres-search-"));
  server = await startPostgresServer({ dir, fsync: false });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const draft = (content: string): MessageDraft => ({ username: "kim", guest: true, content, sentAt: new Date().toISOString() });

/** A second connection to the database, as another program (or an older Livechat) would make. */
async function withPool<T>(url: string, run: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  // Failures reach the test through its queries; an idle connection that PostgreSQL ends
  // (the server stops after the last test) must not become an uncaught error.
  pool.on("error", () => {});
  try {
    return await run(pool);
  } finally {
    await pool.end();
  }
}

const contents = (messages: { content: string }[]) => messages.map((message) => message.content);

describe("PostgresStore's search index", () => {
  it("follows content changed by any statement: an edit is found by its new words only, a deleted message never", async () => {
    const url = await server.createDatabase(`search_${++databases}`);
    const store = await openPostgresStore({ url, poolSize: 2 });
    try {
      await store.append("lobby", draft("the first draft"));
      await store.append("lobby", draft("a message to delete"));
      // Edits and deletions the way a statement that knows nothing of the index makes them.
      await withPool(url, async (pool) => {
        await pool.query("UPDATE messages SET content = 'the final version' WHERE seq = 1");
        await pool.query("UPDATE messages SET content = '' WHERE seq = 2");
      });

      expect(await store.searchRoom("lobby", "draft", { limit: 10 })).toEqual([]);
      expect(contents(await store.searchRoom("lobby", "final", { limit: 10 }))).toEqual(["the final version"]);
      expect(contents(await store.searchRooms("version", { limit: 10 }))).toEqual(["the final version"]);
      expect(await store.searchRoom("lobby", "delete", { limit: 10 })).toEqual([]);
      expect(await store.searchRooms("delete", { limit: 10 })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("finds messages stored before the index existed, and indexes them at the next start", async () => {
    const url = await server.createDatabase(`search_${++databases}`);
    const first = await openPostgresStore({ url, poolSize: 2 });
    for (let i = 1; i <= 30; i++) await first.append(i % 3 === 0 ? "kitchen" : "lobby", draft(i % 2 === 0 ? `release ${i}` : `lunch ${i}`));
    await first.close();
    // As an older schema left them: no words.
    await withPool(url, (pool) => pool.query("UPDATE messages SET search = NULL"));

    const store = await openPostgresStore({ url, poolSize: 2 });
    try {
      // Found while indexing goes on or after it: the same answer either way.
      const newest = await store.searchRoom("lobby", "rel", { limit: 3 });
      expect(contents(newest)).toEqual(["release 28", "release 26", "release 22"]);
      expect(contents(await store.searchRoom("lobby", "release", { before: newest[2]!.seq, limit: 3 }))).toEqual([
        "release 20",
        "release 16",
        "release 14",
      ]);
      await expect
        .poll(() => withPool(url, async (pool) => (await pool.query("SELECT count(*)::int AS n FROM messages WHERE search IS NULL")).rows[0].n))
        .toBe(0);
      expect(contents(await store.searchRoom("kitchen", "release", { limit: 10 }))).toEqual(["release 30", "release 24", "release 18", "release 12", "release 6"]);
      expect((await store.searchRooms("lunch", { limit: 100, rooms: ["kitchen"] })).map((m) => m.content).sort()).toEqual([
        "lunch 15",
        "lunch 21",
        "lunch 27",
        "lunch 3",
        "lunch 9",
      ]);
    } finally {
      await store.close();
    }
  });

  it("indexes again, with their trigrams, the Chinese and Japanese messages stored before migration 0007", async () => {
    const url = await server.createDatabase(`search_${++databases}`);
    const first = await openPostgresStore({ url, poolSize: 2 });
    await first.append("lobby", draft("日本語のメッセージです"));
    await first.append("lobby", draft("plain words"));
    await first.close();
    // As an earlier version left it: words only, and 0007 not applied.
    await withPool(url, async (pool) => {
      await pool.query("UPDATE messages SET search = ts_delete(search, ARRAY(SELECT lexeme FROM unnest(search) WHERE lexeme LIKE '~%'))");
      await pool.query("DELETE FROM schema_migrations WHERE version = '0007-cjk-search.sql'");
    });

    const store = await openPostgresStore({ url, poolSize: 2 });
    try {
      expect(contents(await store.searchRoom("lobby", "メッセージ", { limit: 10 }))).toEqual(["日本語のメッセージです"]);
      const trigramLexemes = () =>
        withPool(url, async (pool) => {
          const { rows } = await pool.query("SELECT count(*)::int AS n FROM messages, unnest(search) AS u WHERE u.lexeme LIKE '~%'");
          return rows[0].n as number;
        });
      // Start-up indexes the rows 0007 left unindexed, in the background.
      await expect.poll(trigramLexemes, { timeout: 15_000, interval: 200 }).toBeGreaterThan(0);
      expect(contents(await store.searchRooms("メッセージ", { limit: 10 }))).toEqual(["日本語のメッセージです"]);
    } finally {
      await store.close();
    }
  });

  it("answers a room's search from the full-text index, not by reading the room's history", async () => {
    const url = await server.createDatabase(`search_${++databases}`);
    const store = await openPostgresStore({ url, poolSize: 2 });
    let closed = false;
    try {
      await store.append("lobby", draft("needle in a haystack"));
      await withPool(url, async (pool) => {
        // A history big enough that the planner weighs its plans as on a real one.
        await pool.query(
          `INSERT INTO messages (room_id, seq, id, username, guest, content, sent_at, search)
           SELECT r.id, s, gen_random_uuid(), 'kim', true, 'hay w' || s % 3000, now(), ('''hay'' ''w' || s % 3000 || ''' ''#' || r.id || '''')::tsvector
           FROM rooms r, generate_series(2, 20001) AS s WHERE r.name = 'lobby'`,
        );
        await pool.query("UPDATE rooms SET next_seq = 20002 WHERE name = 'lobby'");
        // As autovacuum would: the index's pending entries merged, statistics gathered.
        await pool.query("VACUUM ANALYZE messages");
      });
      const indexScans = () =>
        withPool(url, async (pool) => {
          const { rows } = await pool.query("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'messages_search'");
          return Number(rows[0].idx_scan);
        });
      const before = await indexScans();
      expect(contents(await store.searchRoom("lobby", "needle", { limit: 10 }))).toEqual(["needle in a haystack"]);
      // A session reports what it scanned when it ends (else once idle for a while).
      await store.close();
      closed = true;
      await expect.poll(indexScans, { timeout: 15_000, interval: 200 }).toBeGreaterThan(before);
    } finally {
      if (!closed) await store.close();
    }
  });
});
