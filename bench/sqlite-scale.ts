// The SQLite store with a long history: generates N messages in R rooms straight
// into a database (big transactions, no server), then, each in a fresh process as
// a real start would be: start-up time and RSS, RSS once 1,000 rooms have been used
// (their live windows read and held, as their workers hold them), history page
// latency, search latency (one room, and every room), the sizes on disk, and a real
// server's start on that DATA_DIR.
//
//   npx tsx bench/sqlite-scale.ts [messages=1000000] [rooms=10000] [dir] [searches=100]
// A dir that already holds a database is measured as it is (delete it after a schema change).
// `searches` is how many of each kind: fewer keep a run at 10,000,000 messages within minutes.
//
//   npx tsx bench/sqlite-scale.ts upgrade DIR
// times the schema migrations on a copy of DIR's database (one an earlier Livechat
// wrote, schema version 1 or 2), as a start of this version on it would run them (the
// conversation's, version 3, rebuilds the search index).
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { createLogger } from "../lib/logger";
import { DATABASE_FILE, openSqliteStore } from "../lib/store/sqlite";
import { bulkLoadMessages, migrate } from "../lib/store/sqlite-schema";
import { createHistogram, recordMs, summarize } from "./histogram";

const WINDOW = 100;
const PAGE = 50;
const ROOMS_USED = 1000;
const SAMPLES = 1000;
const VOCABULARY = 20_000;
const ROWS_PER_TRANSACTION = 100_000;

const [mode, ...rest] = process.argv.slice(2);
if (mode === "measure") await measure(rest[0]!, Number(rest[1]), Number(rest[2]));
else if (mode === "upgrade") upgrade(rest[0]!);
else await main(Number(mode ?? 1_000_000), Number(rest[0] ?? 10_000), rest[1], Number(rest[2] ?? 100));

/** A deterministic pseudo-random sequence, so two runs generate the same history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Word n of the vocabulary: syllables, so words look like words and share prefixes as words do. */
function word(n: number): string {
  const syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "bri", "dan", "fel", "gor", "hus", "jen", "pla"];
  let out = "";
  let x = n + 17;
  do {
    out += syllables[x % syllables.length];
    x = Math.floor(x / syllables.length);
  } while (x > 0);
  return out;
}

/** Zipf-like: low word numbers are common, as in chat. */
function pickWord(next: () => number): number {
  return Math.floor(VOCABULARY ** next()) - 1;
}

async function main(total: number, rooms: number, given: string | undefined, searches: number): Promise<void> {
  const dir = given ?? path.join(tmpdir(), `livechat-scale-${total}-${rooms}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, DATABASE_FILE);
  if (!existsSync(file)) generate(file, total, rooms);
  const sizes = diskSizes(file);
  console.log(`on disk: ${JSON.stringify(sizes)}`);
  // Each measurement in a fresh process: start-up reads nothing a previous one cached in the heap.
  const script = fileURLToPath(import.meta.url);
  execFileSync(process.execPath, ["--import", "tsx", "--expose-gc", script, "measure", dir, String(rooms), String(searches)], { stdio: "inherit" });
  await serverStartup(dir);
}

/**
 * A real server's start on this DATA_DIR: from spawning `node --import tsx server/index.ts`
 * (health and gRPC only: pages need a production build, and their start does not depend on
 * history) to its "Livechat is listening" line, then a clean stop.
 */
async function serverStartup(dir: string): Promise<void> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dir, PORT: "0", GRPC_PORT: "0", ADAPTERS: "grpc", LOG_LEVEL: "info", SESSION_SECRET: "s".repeat(40) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  let storeMs: number | undefined;
  const listening = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const opened = output.split("\n").find((line) => line.includes('"msg":"opened the SQLite store"'));
      if (opened) storeMs = Number(/"ms":(\d+)/.exec(opened)?.[1]);
      if (output.includes("Livechat is listening")) resolve(performance.now() - started);
    });
    child.once("exit", (code) => reject(new Error(`the server exited with ${code} before listening:\n${output}`)));
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
  console.log(
    `server start-up (spawn to listening, node and tsx loading included): ${listening.toFixed(0)} ms, of which opening the store ${storeMs ?? "?"} ms`,
  );
}

function generate(file: string, total: number, rooms: number): void {
  const started = performance.now();
  const db = new Database(file);
  // Generation only: no journal, no fsync, one connection holding the file; the store sets WAL and FULL when it opens it.
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -1048576");
  // The store's own schema, every migration applied.
  migrate(db);
  const insertRoom = db.prepare("INSERT INTO rooms (id, name) VALUES (?, ?)");
  const insert = db.prepare(
    "INSERT INTO messages (room_id, seq, num, id, username, guest, content, sent_at, client_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  db.transaction(() => {
    for (let r = 1; r <= rooms; r++) insertRoom.run(r, `room-${r}`);
  })();
  const next = random(42);
  const perRoom = Math.ceil(total / rooms);
  // Room by room: each room's history is one run of the clustered table, as appends leave it, and
  // generation stays fast. (num, the search index's rowid, follows this order rather than time's.)
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const room = 1 + Math.floor(i / perRoom);
      const seq = 1 + (i % perRoom);
      const words = 4 + Math.floor(next() * 12);
      let content = "";
      for (let w = 0; w < words; w++) content += (w ? " " : "") + word(pickWord(next));
      const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
      const sentAt = new Date(1_780_000_000_000 + i * 1000).toISOString();
      insert.run(room, seq, i + 1, id, `user${i % 997}`, i % 5 === 0 ? 1 : 0, content, sentAt, `c${i}`);
    }
  });
  // The rows first, then the search indexes and each room's newest message, each filled by one
  // statement over every row, as a migration fills them (sqlite-schema.ts, bulkLoadMessages).
  bulkLoadMessages(db, () => {
    for (let from = 0; from < total; from += ROWS_PER_TRANSACTION) {
      batch(from, Math.min(total, from + ROWS_PER_TRANSACTION));
      if ((from / ROWS_PER_TRANSACTION) % 10 === 9) {
        console.error(`stored ${from + ROWS_PER_TRANSACTION} messages, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    }
    console.error(`stored ${total} messages in ${((performance.now() - started) / 1000).toFixed(0)} s; indexing them`);
  });
  db.pragma("journal_mode = WAL");
  db.close();
  console.log(`generated ${total} messages in ${rooms} rooms in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function upgrade(dir: string): void {
  const copyDir = mkdtempSync(path.join(tmpdir(), "livechat-upgrade-"));
  const file = path.join(copyDir, DATABASE_FILE);
  try {
    copyFileSync(path.join(dir, DATABASE_FILE), file);
    const db = new Database(file);
    // As the store opens its file (lib/store/sqlite.ts, configure): WAL, a full fsync at each commit.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > 2) throw new Error(`${dir} holds schema version ${version}: give a database an earlier Livechat wrote (version 1 or 2).`);
    const messages = (db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
    console.log(`upgrading ${messages} messages from schema version ${version}`);
    const started = performance.now();
    migrate(db, (applied, ms) => console.log(`migration to version ${applied}: ${(ms / 1000).toFixed(1)} s`));
    console.log(`upgrade: ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
    db.close();
    console.log(`on disk after: ${JSON.stringify(diskSizes(file))}`);
  } finally {
    rmSync(copyDir, { recursive: true, force: true });
  }
}

function diskSizes(file: string): Record<string, string> {
  const db = new Database(file, { readonly: true });
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  const sizes: Record<string, string> = { file: mb(statSync(file).size) };
  try {
    const rows = db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all() as Array<{ name: string; bytes: number }>;
    let fts = 0;
    let cjk = 0;
    for (const row of rows) {
      if (row.name.startsWith("messages_fts")) fts += row.bytes;
      else if (row.name.startsWith("messages_cjk")) cjk += row.bytes;
      else if (row.name.startsWith("messages") || row.name.startsWith("sqlite_autoindex_messages")) {
        sizes[row.name.replace("sqlite_autoindex_messages_1", "messages")] = mb(row.bytes);
      }
    }
    sizes["search index (messages_fts*)"] = mb(fts);
    sizes["trigram index (messages_cjk*)"] = mb(cjk);
  } finally {
    db.close();
  }
  return sizes;
}

async function measure(dir: string, rooms: number, searches: number): Promise<void> {
  const rss = () => `${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`;
  const gc = (globalThis as { gc?: () => void }).gc;
  console.log(`RSS of the process before opening: ${rss()}`);
  let started = performance.now();
  const store = await openSqliteStore({ dir, logger: createLogger({}, "silent") });
  const openMs = performance.now() - started;
  gc?.();
  console.log(`start-up (open, migrations, writer and search threads ready; the integrity check runs beside): ${openMs.toFixed(0)} ms; RSS ${rss()}`);

  const next = random(7);
  const held: unknown[] = [];
  started = performance.now();
  for (let r = 1; r <= ROOMS_USED; r++) held.push(await store.recent(`room-${1 + Math.floor(next() * rooms)}`, WINDOW));
  gc?.();
  console.log(`${ROOMS_USED} rooms used (each one's window of ${WINDOW} read and held) in ${(performance.now() - started).toFixed(0)} ms; RSS ${rss()}`);

  const pages = createHistogram();
  for (let i = 0; i < SAMPLES; i++) {
    const room = `room-${1 + Math.floor(next() * rooms)}`;
    const newest = (await store.recent(room, 1))[0]?.seq ?? 1;
    const before = 1 + Math.floor(next() * newest);
    const at = performance.now();
    await store.before(room, before, PAGE);
    recordMs(pages, performance.now() - at);
  }
  console.log(`history page (${PAGE} messages before a random seq of a random room): ${JSON.stringify(summarize(pages))}`);

  for (const [label, pick] of [
    ["a common word", () => word(pickWord(next) % 50)],
    ["a rare word", () => word(2000 + Math.floor(next() * 15_000))],
    ["two words", () => `${word(pickWord(next) % 200)} ${word(pickWord(next) % 2000)}`],
    ["a three-letter prefix", () => word(pickWord(next) % 100).slice(0, 3)],
  ] as const) {
    const inRoom = createHistogram();
    const everywhere = createHistogram();
    let found = 0;
    for (let i = 0; i < searches; i++) {
      const text = pick();
      let at = performance.now();
      found += (await store.searchRoom(`room-${1 + Math.floor(next() * rooms)}`, text, { limit: 20 })).length;
      recordMs(inRoom, performance.now() - at);
      at = performance.now();
      await store.searchRooms(text, { limit: 20 });
      recordMs(everywhere, performance.now() - at);
    }
    console.log(
      `search, ${label}: one room ${JSON.stringify(summarize(inRoom))} (${(found / searches).toFixed(1)} results on average); ` +
        `every room, best first ${JSON.stringify(summarize(everywhere))}`,
    );
  }
  gc?.();
  console.log(`RSS at the end: ${rss()}`);
  void held;
  await store.close();
}
