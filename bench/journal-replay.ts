// Figures for the journaled store: append throughput with group commit, and how
// long start-up takes to replay a million messages, from the journal alone and
// after compaction into a snapshot.
//
//   npx tsx bench/journal-replay.ts [messages=1000000] [rooms=1000]
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "../lib/logger";
import { openJournaledStore } from "../lib/store/journaled";

const total = Number(process.argv[2] ?? 1_000_000);
const roomCount = Number(process.argv[3] ?? 1000);
const CONCURRENT = 1000;
const SEQUENTIAL = 5000;
const logger = createLogger({}, "silent");

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rate = (count: number, ms: number) => `${Math.round((count / ms) * 1000).toLocaleString("en")}/s`;

async function dirBytes(dir: string): Promise<string> {
  const names = await readdir(dir);
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

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "livechat-bench-journal-"));
  try {
    // Compaction off while writing, so the first replay reads a journal of every message.
    const writer = await openJournaledStore({ dir, logger, compactMinBytes: Number.MAX_SAFE_INTEGER });

    let started = performance.now();
    for (let i = 0; i < SEQUENTIAL; i++) await writer.append("sequential", draft(i));
    const sequentialMs = performance.now() - started;
    console.log(`one append at a time: ${SEQUENTIAL} appends in ${sequentialMs.toFixed(0)} ms (${rate(SEQUENTIAL, sequentialMs)}, ${((sequentialMs / SEQUENTIAL) * 1000).toFixed(0)} µs each, ${writer.storage.flushes} fsyncs)`);

    const flushesBefore = writer.storage.flushes;
    started = performance.now();
    for (let base = 0; base < total; base += CONCURRENT) {
      const batch = [];
      for (let i = base; i < Math.min(total, base + CONCURRENT); i++) batch.push(writer.append(`room-${i % roomCount}`, draft(i)));
      await Promise.all(batch);
    }
    const appendMs = performance.now() - started;
    const flushes = writer.storage.flushes - flushesBefore;
    console.log(
      `group commit: ${total.toLocaleString("en")} appends, ${CONCURRENT} in flight, in ${(appendMs / 1000).toFixed(1)} s ` +
        `(${rate(total, appendMs)}, ${flushes} write+fsync rounds, ${(total / flushes).toFixed(0)} records each)`,
    );
    await writer.close();
    console.log(`files: ${await dirBytes(dir)}`);

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    started = performance.now();
    let cpu = process.cpuUsage();
    const fromJournal = await openJournaledStore({ dir, logger });
    const journalReplayMs = performance.now() - started;
    const journalCpu = cpuMs(cpu);
    console.log(
      `replay from the journal: ${fromJournal.size.messages.toLocaleString("en")} messages in ${(journalReplayMs / 1000).toFixed(2)} s ` +
        `(${rate(fromJournal.size.messages, journalReplayMs)}, CPU ${(journalCpu / 1000).toFixed(2)} s; RSS ${mb(process.memoryUsage().rss)}, +${mb(process.memoryUsage().rss - rssBefore)})`,
    );

    started = performance.now();
    await fromJournal.compact();
    console.log(`compaction into a snapshot: ${((performance.now() - started) / 1000).toFixed(2)} s`);
    await fromJournal.close();
    console.log(`files: ${await dirBytes(dir)}`);

    started = performance.now();
    cpu = process.cpuUsage();
    const fromSnapshot = await openJournaledStore({ dir, logger });
    const snapshotReplayMs = performance.now() - started;
    const snapshotCpu = cpuMs(cpu);
    console.log(
      `replay from the snapshot: ${fromSnapshot.size.messages.toLocaleString("en")} messages in ${(snapshotReplayMs / 1000).toFixed(2)} s ` +
        `(${rate(fromSnapshot.size.messages, snapshotReplayMs)}, CPU ${(snapshotCpu / 1000).toFixed(2)} s)`,
    );
    started = performance.now();
    cpu = process.cpuUsage();
    const one = await fromSnapshot.recent("room-3", 100);
    const firstUseMs = performance.now() - started;
    started = performance.now();
    for (let r = 0; r < roomCount; r++) await fromSnapshot.recent(`room-${r}`, 100);
    const everyRoomMs = performance.now() - started;
    console.log(
      `first use of one room (${one.at(-1)?.seq} messages parsed): ${firstUseMs.toFixed(1)} ms; ` +
        `first use of all ${roomCount} rooms: ${(everyRoomMs / 1000).toFixed(2)} s (CPU ${(cpuMs(cpu) / 1000).toFixed(2)} s; RSS ${mb(process.memoryUsage().rss)})`,
    );
    const newest = await fromSnapshot.recent("room-7", 1);
    if (newest[0]?.seq !== Math.ceil((total - 7) / roomCount)) throw new Error("the replayed store lost messages");
    await fromSnapshot.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
