// Figure: search on PostgreSQL with the full-text index against reading the history
// newest first in chunks of 1,000 and matching each message in JavaScript (what the
// store did before the index, repeated here). A history of N messages in R rooms of
// made-up words, one big room holding a tenth of it; the median of 21 queries of each kind (5 of the slow reads).
// Run: node --import tsx bench/postgres-search.ts [messages=300000] [rooms=100]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import type { Message } from "../lib/protocol";
import { openPostgresStore, type PostgresStore } from "../lib/store/postgres";
import { bestFirst, matchesAll, searchTerms, withHighlight } from "../lib/store/search-text";
import { searchVector } from "../lib/store/postgres-search";
import { startPostgresServer } from "../server/postgres-server";

const total = Number(process.argv[2] ?? 300_000);
const roomCount = Number(process.argv[3] ?? 100);
const VOCABULARY = Array.from({ length: 5_000 }, (_, i) => `w${i.toString(36)}x`);
const COMMON = ["deploy", "lunch", "release"];
const RARE = "zanzibar";

const CHUNK = 1000;

/** The room's search before the index: its history newest first, a chunk a query, until `limit` match. */
async function scanRoom(store: PostgresStore, room: string, text: string, limit: number): Promise<Message[]> {
  const terms = searchTerms(text);
  const found: Message[] = [];
  let before = Number.MAX_SAFE_INTEGER;
  while (found.length < limit) {
    const chunk = await store.before(room, before, CHUNK);
    for (let i = chunk.length - 1; i >= 0 && found.length < limit; i--) if (matchesAll(chunk[i]!.content, terms)) found.push(withHighlight(chunk[i]!, terms));
    if (chunk.length < CHUNK) break;
    before = chunk[0]!.seq;
  }
  return found;
}

/** Every room's history read through, ranked. */
async function scanRooms(store: PostgresStore, rooms: string[], text: string, limit: number): Promise<Message[]> {
  const terms = searchTerms(text);
  const matching: Message[] = [];
  for (const room of rooms) {
    let before = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const chunk = await store.before(room, before, CHUNK);
      for (const message of chunk) if (matchesAll(message.content, terms)) matching.push(message);
      if (chunk.length < CHUNK) break;
      before = chunk[0]!.seq;
    }
  }
  return bestFirst(matching, terms, limit);
}

const dir = mkdtempSync(join(tmpdir(), "livechat-search-bench-"));
const server = await startPostgresServer({ dir, fsync: false });
try {
  const url = await server.createDatabase("bench");
  const store = await openPostgresStore({ url });
  // Rooms exist (and get their ids) through the store.
  for (let r = 0; r < roomCount; r++) await store.append(`room-${r}`, { username: "kim", guest: true, content: "hello", sentAt: new Date().toISOString() });
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const { rows: rooms } = await pool.query<{ id: string; name: string }>("SELECT id, name FROM rooms ORDER BY id");
  let seed = 1;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const started = performance.now();
  const BATCH = 5_000;
  const nextSeq = new Map(rooms.map((room) => [room.id, 2]));
  for (let done = 0; done < total; done += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, total - done) }, (_, i) => {
      // A tenth of everything goes to the first room.
      const room = random() < 0.1 ? rooms[0]! : rooms[Math.floor(random() * rooms.length)]!;
      const words = Array.from({ length: 4 + Math.floor(random() * 12) }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]!);
      if (random() < 0.05) words.push(COMMON[Math.floor(random() * COMMON.length)]!);
      if (done + i === Math.floor(total / 3)) words.push(RARE);
      const seq = nextSeq.get(room.id)!;
      nextSeq.set(room.id, seq + 1);
      return { roomId: room.id, seq, content: words.join(" ") };
    });
    await pool.query(
      `INSERT INTO messages (room_id, seq, id, username, guest, content, sent_at, search)
       SELECT m.room_id, m.seq, gen_random_uuid(), 'kim', true, m.content, now(), m.vector::tsvector || array_to_tsvector(ARRAY['#' || m.room_id])
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS m(room_id, seq, content, vector)`,
      [batch.map((m) => m.roomId), batch.map((m) => m.seq), batch.map((m) => m.content), batch.map((m) => searchVector(m.content))],
    );
  }
  for (const [id, seq] of nextSeq) await pool.query("UPDATE rooms SET next_seq = $2 WHERE id = $1", [id, seq]);
  await pool.query("VACUUM ANALYZE messages");
  console.log(`${total} messages in ${roomCount} rooms written in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const median = async (run: () => Promise<unknown>, runs: number) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const at = performance.now();
      await run();
      times.push(performance.now() - at);
    }
    return times.sort((a, b) => a - b)[runs >> 1]!.toFixed(2);
  };
  const names = rooms.map((room) => room.name);
  const queries: Array<[string, () => Promise<unknown>, () => Promise<unknown>]> = [
    ["big room, a rare word", () => store.searchRoom("room-0", RARE, { limit: 20 }), () => scanRoom(store, "room-0", RARE, 20)],
    ["big room, a common word", () => store.searchRoom("room-0", "deploy", { limit: 20 }), () => scanRoom(store, "room-0", "deploy", 20)],
    ["big room, a common prefix", () => store.searchRoom("room-0", "rel", { limit: 20 }), () => scanRoom(store, "room-0", "rel", 20)],
    ["small room, a rare word", () => store.searchRoom("room-7", RARE, { limit: 20 }), () => scanRoom(store, "room-7", RARE, 20)],
    ["every room, a rare word", () => store.searchRooms(RARE, { limit: 20 }), () => scanRooms(store, names, RARE, 20)],
    ["every room, a common word", () => store.searchRooms("deploy", { limit: 20 }), () => scanRooms(store, names, "deploy", 20)],
  ];
  console.log("| query | full-text index, p50 ms | reading the history, p50 ms |");
  console.log("|---|---|---|");
  for (const [name, indexed, scanned] of queries) console.log(`| ${name} | ${await median(indexed, 21)} | ${await median(scanned, 5)} |`);
  await pool.end();
  await store.close();
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
