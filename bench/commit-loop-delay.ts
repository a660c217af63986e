// What durable commits cost the event loop: appends at a steady rate across many
// rooms, each acknowledged only once durable, while the loop's delay is sampled.
// Compares SQLite committing on the event loop's thread with SQLite committing on
// its writer thread (the default): docs/performance.md, beside the journal's figure
// measured by this script before the journal was retired.
//
//   npx tsx bench/commit-loop-delay.ts [rate=1000] [rooms=100] [seconds=20]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createLogger } from "../lib/logger";
import { openSqliteStore } from "../lib/store/sqlite";
import type { Store } from "../lib/store/store";
import { createHistogram, recordMs, summarize } from "./histogram";

const [rate = 1000, rooms = 100, seconds = 20] = process.argv.slice(2).map(Number);
const logger = createLogger({}, "silent");

const stores: Record<string, (dir: string) => Promise<Store>> = {
  "sqlite, commits on the event loop": (dir) => openSqliteStore({ dir, logger, writerThread: "inline" }),
  "sqlite, commits on the writer thread": (dir) => openSqliteStore({ dir, logger, writerThread: "worker" }),
};

async function measure(name: string, open: (dir: string) => Promise<Store>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "livechat-commit-bench-"));
  const store = await open(dir);
  const acks = createHistogram();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let sent = 0;
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  loop.enable();
  // One message per timer callback, so messages arrive in separate turns as a
  // socket's would; the count catches up when the timer is late.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(rate * seconds, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        const i = sent++;
        const at = performance.now();
        const done = store
          .append(`room-${i % rooms}`, {
            username: `user${i % 50}`,
            guest: false,
            content: `message ${i}: a line of chat about the weather, the build, and lunch`,
            sentAt: new Date().toISOString(),
            clientId: `c-${i}`,
          })
          .then(
            () => recordMs(acks, performance.now() - at),
            () => void (failed += 1),
          )
          .finally(() => pending.delete(done));
        pending.add(done);
      }
      if (sent >= rate * seconds) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(pending);
  loop.disable();
  await store.close();
  await rm(dir, { recursive: true, force: true });
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  const ack = summarize(acks);
  console.log(
    `${name}: ${sent} appends at ${rate}/s across ${rooms} rooms, ${failed} failed; ` +
      `event-loop delay p50 ${ms(loop.percentile(50))} ms, p99 ${ms(loop.percentile(99))} ms, max ${ms(loop.max)} ms; ` +
      `ack p50 ${ack.p50Ms} ms, p99 ${ack.p99Ms} ms`,
  );
}

for (const [name, open] of Object.entries(stores)) await measure(name, open);
