// Figures for the journaled store: append throughput with group commit, and how
// long start-up takes with a million messages behind it, replaying the journal
// alone and after compaction into a snapshot. Each start-up runs in a fresh
// process, as a real one would, so no earlier heap is in the figures.
//
//   npx tsx bench/journal-replay.ts [messages=1000000] [rooms=1000]
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger } from "../lib/logger";
import { openJournaledStore } from "../lib/store/journaled";

const CONCURRENT = 1000;
const SEQUENTIAL = 5000;
const logger = createLogger({}, "silent");

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rate = (count: number, ms: number) => `${Math.round((count / ms) * 1000).toLocaleString("en")}/s`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function files(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((name) => name !== "LOCK");
  const sizes = await Promise.all(names.map(async (name) => `${name} ${mb((await stat(path.join(dir, name))).size)}`));
  return sizes.join(", ");
}

const draft = (i: number) => ({
  username: `user${i % 500}`,
  guest: i % 3 === 0,
  content: `message number ${i}: a line of chat about the weather, the build, and lunch`,
  sentAt: new Date(1_780_000_000_000 + i * 1000).toISOString(),
  clientId: `client-${i}`,
});

async function write(dir: string, total: number, roomCount: number): Promise<void> {
  // Compaction off while writing, so the first start-up replays a journal of every message.
  const store = await openJournaledStore({ dir, logger, compactMinBytes: Number.MAX_SAFE_INTEGER });
  let started = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) await store.append("sequential", draft(i));
  const sequentialMs = performance.now() - started;
  console.log(
    `one append at a time: ${SEQUENTIAL} appends in ${sequentialMs.toFixed(0)} ms ` +
      `(${rate(SEQUENTIAL, sequentialMs)}, ${((sequentialMs / SEQUENTIAL) * 1000).toFixed(0)} µs each, ${store.storage.flushes} fsyncs)`,
  );

  const flushesBefore = store.storage.flushes;
  started = performance.now();
  const cpu = process.cpuUsage();
  for (let base = 0; base < total; base += CONCURRENT) {
    const batch = [];
    for (let i = base; i < Math.min(total, base + CONCURRENT); i++) batch.push(store.append(`room-${i % roomCount}`, draft(i)));
    await Promise.all(batch);
  }
  const appendMs = performance.now() - started;
  const flushes = store.storage.flushes - flushesBefore;
  console.log(
    `group commit: ${total.toLocaleString("en")} appends, ${CONCURRENT} in flight, in ${seconds(appendMs)} ` +
      `(${rate(total, appendMs)}, CPU ${seconds(cpuMs(cpu))}; ${flushes} write+fsync rounds of ${(total / flushes).toFixed(0)} records)`,
  );
  await store.close();
  console.log(`files: ${await files(dir)}`);
}

/** One start-up, in this (fresh) process. */
async function startUp(dir: string, roomCount: number, then: "compact" | "use"): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const store = await openJournaledStore({ dir, logger });
  const ms = performance.now() - started;
  const { replay } = store.storage;
  const from = replay.snapshotRecords > 0 ? "the snapshot" : "the journal";
  console.log(
    `start-up from ${from}: ${store.size.messages.toLocaleString("en")} messages in ${seconds(ms)} ` +
      `(CPU ${seconds(cpuMs(cpu))}, RSS ${mb(process.memoryUsage().rss)})`,
  );
  if (then === "compact") {
    const compacting = performance.now();
    await store.compact();
    console.log(`compaction into a snapshot: ${seconds(performance.now() - compacting)}`);
  } else {
    let at = performance.now();
    const one = await store.recent("room-3", 100);
    console.log(`first use of one room (${one.at(-1)?.seq} messages parsed): ${(performance.now() - at).toFixed(1)} ms`);
    at = performance.now();
    const used = process.cpuUsage();
    for (let r = 0; r < roomCount; r++) await store.recent(`room-${r}`, 100);
    console.log(
      `first use of all ${roomCount} rooms: ${seconds(performance.now() - at)} (CPU ${seconds(cpuMs(used))}, RSS ${mb(process.memoryUsage().rss)})`,
    );
  }
  await store.close();
}

async function main(): Promise<void> {
  const [mode = "all", ...rest] = process.argv.slice(2);
  if (mode === "start-up") {
    await startUp(rest[0]!, Number(rest[1]), rest[2] as "compact" | "use");
    return;
  }
  const total = Number(mode === "all" ? 1_000_000 : mode);
  const roomCount = Number(rest[0] ?? 1000);
  const dir = await mkdtemp(path.join(tmpdir(), "livechat-bench-journal-"));
  const child = (then: string) =>
    execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "start-up", dir, String(roomCount), then], {
      stdio: "inherit",
    });
  try {
    await write(dir, total, roomCount);
    child("compact");
    console.log(`files: ${await files(dir)}`);
    child("use");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
