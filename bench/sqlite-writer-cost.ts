// What one message costs the SQLite store's writer thread, and where that cost goes
// (issue 15 item 10; docs/performance.md, "The writer's cost per message").
//
// 1. The real path: a store opened as the server opens it (writer on its worker thread)
//    takes appends in one room at `rate` messages/s, one per timer turn as a socket's
//    would arrive, for `seconds`; the writer thread's CPU (/proc/self/task/<tid>/stat,
//    user + system) per message, and how many messages a group commit held.
// 2. By part: on this thread, `count` appends in group commits of that size (the real
//    path's average), on a fresh database each time, as the store runs them
//    (batchRunner, the store's own statements and steps), then with one thing taken
//    away or changed at a time, so each row's difference from the first is that part's cost.
//
//    The variants run in turns, `rounds` times, and each row is its median: the machine is shared.
//
//   node --import tsx bench/sqlite-writer-cost.ts [rate=2000] [seconds=5] [count=10000] [rounds=3] [batch]
// BENCH_SYNCHRONOUS=NORMAL runs part 2 without the fsync per commit (not durable: for the
// CPU spent outside the kernel's fsync, which is steady where the fsync's share is not).
// BENCH_VARIANTS=0,4 measures only those rows of part 2 (by position, the first is always measured).
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import Database, { type Database as Connection } from "better-sqlite3";
import { createLogger } from "../lib/logger";
import { appendSteps, DATABASE_FILE, openSqliteStore, WRITES } from "../lib/store/sqlite";
import { batchRunner, configure, type WriteStep } from "../lib/store/sqlite-batch.mjs";
import { migrate } from "../lib/store/sqlite-schema";
import type { MessageDraft } from "../lib/store/store";

const [rate = 2000, seconds = 5, count = 10_000, rounds = 3, batchArg] = process.argv.slice(2).map(Number);
const ROOM = "bench";
const TICKS_PER_S = 100; // USER_HZ: /proc counts CPU time in these

/** The fan-out bench's message (bench/load.ts benchContent): a flag, the scheduled time, padding. */
const draft = (i: number): MessageDraft => ({
  username: `user${i % 10}`,
  guest: false,
  content: `m|${(i * 0.5).toFixed(3)}|${"x".repeat(40)}`,
  sentAt: new Date().toISOString(),
});

/** CPU seconds (user + system) of each thread of this process, by thread id. */
function threadCpu(): Map<string, number> {
  const cpu = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu.set(tid, (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return cpu;
}

/** Bytes this process has handed to write() so far (the WAL's frames, checkpoints' pages): no noise from a shared machine. */
const written = () => Number(/wchar: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))![1]);
const mainThreadCpu = () => threadCpu().get(String(process.pid)) ?? 0;
const us = (cpuS: number, messages: number) => Math.round((cpuS / messages) * 1e6);

/** Part 1: the store as the server runs it. Answers the average messages per commit. */
async function realPath(): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "livechat-writer-cost-"));
  const before = new Set(threadCpu().keys());
  const store = await openSqliteStore({ dir, logger: createLogger({}, "silent") });
  try {
    await store.append(ROOM, draft(0));
    const startCpu = threadCpu();
    const startCommits = store.writer.commits;
    const total = rate * seconds;
    const pending: Promise<unknown>[] = [];
    const started = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
        while (sent < due) pending.push(store.append(ROOM, draft(++sent)));
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    await Promise.all(pending);
    const endCpu = threadCpu();
    const commits = store.writer.commits - startCommits;
    // The writer is the new thread that worked; the search and check threads sit idle.
    const spent = [...endCpu].filter(([tid]) => !before.has(tid)).map(([tid, s]) => s - (startCpu.get(tid) ?? 0));
    const writer = Math.max(...spent);
    const main = (endCpu.get(String(process.pid)) ?? 0) - (startCpu.get(String(process.pid)) ?? 0);
    console.log(
      `real path: ${total} messages at ${rate}/s in ${commits} commits (${(total / commits).toFixed(1)} a commit); ` +
        `writer thread ${us(writer, total)} µs a message, this thread ${us(main, total)} µs`,
    );
    return total / commits;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Runner = (writes: WriteStep[][]) => unknown;

/** One variant of part 2: what it changes on a fresh, migrated connection, and the runner it uses. */
interface Variant {
  name: string;
  prepare?: (db: Connection) => void;
  runner?: (db: Connection) => Runner;
  steps?: (i: number) => WriteStep[];
}

/** batchRunner without a savepoint per write: the whole batch as one plain transaction. */
const withoutSavepoints = (db: Connection): Runner => {
  const prepared = new Map(Object.entries(WRITES).map(([name, sql]) => [name, db.prepare(sql)]));
  return db.transaction((writes: WriteStep[][]) =>
    writes.map((steps) => steps.map((step) => (step.get ? prepared.get(step.statement)!.get(...step.params) : prepared.get(step.statement)!.run(...step.params)))),
  );
};

/** Files a variant opened beside its database, closed with it. */
const opened: number[] = [];

const dropTrigger = (name: string) => (db: Connection) => db.exec(`DROP TRIGGER ${name}`);
const storeSteps = (i: number) => appendSteps(ROOM, `id-${i}`, draft(i));

const ALL_VARIANTS: Variant[] = [
  { name: "as the store runs it" },
  { name: "no full-text trigger (messages_fts)", prepare: dropTrigger("messages_fts_insert") },
  { name: "no trigram trigger (messages_cjk, its GLOB)", prepare: dropTrigger("messages_cjk_insert") },
  { name: "no rooms_activity trigger", prepare: dropTrigger("rooms_activity") },
  { name: "no savepoint per write", runner: withoutSavepoints },
  { name: "no ensureRoom step", steps: (i) => storeSteps(i).slice(1) },
  { name: "secure_delete off", prepare: (db) => db.pragma("secure_delete = OFF") },
  { name: "FTS5 'secure-delete' off", prepare: (db) => db.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 0)") },
  { name: "FTS5 automerge 16 (default 4)", prepare: (db) => db.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 16)") },
  { name: "FTS5 automerge 2", prepare: (db) => db.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 2)") },
  {
    name: "FTS5 columnsize=0 (no %_docsize row a message)",
    // The index as the store's schema builds it, with columnsize=0 (its triggers, on messages, stay): a follow-up migration's candidate.
    prepare: (db) =>
      db.exec(`DROP TABLE messages_fts;
        CREATE VIRTUAL TABLE messages_fts USING fts5 (room, content, content = '', columnsize = 0, tokenize = 'unicode61 remove_diacritics 2');
        INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);`),
  },
  { name: "wal_autocheckpoint 10000 pages (default 1000)", prepare: (db) => db.pragma("wal_autocheckpoint = 10000") },
  { name: "cache_size 64 MB (this build's default 16 MB)", prepare: (db) => db.pragma("cache_size = -64000") },
  { name: "synchronous NORMAL (not durable: reference only)", prepare: (db) => db.pragma("synchronous = NORMAL") },
  {
    name: "synchronous NORMAL, then fdatasync of the WAL before the answer",
    prepare: (db) => db.pragma("synchronous = NORMAL"),
    runner: (db) => {
      const run = batchRunner(db, WRITES);
      const wal = openSync(`${db.name}-wal`, "r+");
      opened.push(wal);
      return (writes) => {
        const results = run(writes);
        fdatasyncSync(wal);
        return results;
      };
    },
  },
  {
    name: "the insert alone (no triggers, savepoints, ensureRoom)",
    prepare: (db) => ["messages_fts_insert", "messages_cjk_insert", "rooms_activity"].forEach((name) => dropTrigger(name)(db)),
    runner: withoutSavepoints,
    steps: (i) => storeSteps(i).slice(1),
  },
];

const chosen = process.env.BENCH_VARIANTS?.split(",").map(Number);
const VARIANTS = chosen ? ALL_VARIANTS.filter((_, i) => i === 0 || chosen.includes(i)) : ALL_VARIANTS;

/** Part 2: `count` appends in commits of `batch`, on this thread; answers µs of its CPU and bytes written per message. */
function measureVariant(variant: Variant, batch: number): { us: number; bytes: number } {
  const dir = mkdtempSync(path.join(tmpdir(), "livechat-writer-cost-"));
  const db = new Database(path.join(dir, DATABASE_FILE));
  try {
    configure(db);
    if (process.env.BENCH_SYNCHRONOUS) db.pragma(`synchronous = ${process.env.BENCH_SYNCHRONOUS}`);
    migrate(db);
    db.prepare("INSERT INTO rooms (name) VALUES (?)").run(ROOM);
    variant.prepare?.(db);
    const run = variant.runner?.(db) ?? batchRunner(db, WRITES);
    const steps = variant.steps ?? storeSteps;
    run([steps(0)]);
    const started = mainThreadCpu();
    const startedBytes = written();
    for (let i = 1; i <= count; i += batch) {
      const writes: WriteStep[][] = [];
      for (let j = i; j < Math.min(i + batch, count + 1); j++) writes.push(steps(j));
      run(writes);
    }
    return { us: us(mainThreadCpu() - started, count), bytes: Math.round((written() - startedBytes) / count) };
  } finally {
    for (const fd of opened.splice(0)) closeSync(fd);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`load average ${loadavg().map((n) => n.toFixed(1)).join(" ")}`);
const measured = await realPath();
const batch = batchArg ?? Math.max(1, Math.round(measured));
console.log(`by part: ${count} messages in commits of ${batch}, on this thread, median of ${rounds} rounds (CPU µs a message)`);
const costs = VARIANTS.map(() => [] as number[]);
const bytes = VARIANTS.map(() => 0);
for (let round = 0; round < rounds; round++) {
  VARIANTS.forEach((variant, i) => {
    const measuredVariant = measureVariant(variant, batch);
    costs[i]!.push(measuredVariant.us);
    bytes[i] = measuredVariant.bytes;
  });
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const baseline = median(costs[0]!);
console.log("| variant | CPU µs a message | against the first | each round | bytes written a message |");
VARIANTS.forEach((variant, i) => {
  const cost = median(costs[i]!);
  const difference = i === 0 ? "" : `${cost - baseline >= 0 ? "+" : ""}${cost - baseline}`;
  console.log(`| ${variant.name} | ${cost} | ${difference} | ${costs[i]!.join(", ")} | ${bytes[i]} |`);
});
console.log(`load average ${loadavg().map((n) => n.toFixed(1)).join(" ")}`);
