// Figure for docs/reliability.md (issue 16 item 8): the server's event-loop delay and
// another room's send latency while 1,000 pages rejoin at once. The storm is the one of
// server/reconnect-storm.test.ts (50 rooms of 20 pages, every TCP connection destroyed
// at once); meanwhile a sender and a reader in a room of their own chat at 50 messages a
// second, and each send's acknowledgement is timed. As in `npm run bench`, Livechat runs
// in its own process on core 0 and the pages, the sender and the reader here on core 1,
// so the figures are the server's, not the clients' sharing its thread.
//   node --import tsx bench/reconnect-storm.ts [rooms=50] [perRoom=20] [--no-cookies] [--server-drop]
// The pages drop their own TCP connections, as a network failure or a proxy restart
// would; with `--server-drop` the server destroys them itself, all in one turn of its loop.
// With BENCH_CPU_PROF=DIR the server writes a .cpuprofile there as it exits.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { io } from "socket.io-client";
import { join, okOf, send, until } from "../server/testing/delivery-test-helpers";
import { percentile } from "../server/testing/percentile";
import type { TestClient } from "../server/testing/test-server";
import { pinLoadGenerator, startHandled } from "./spawn";

const [rooms = 50, perRoom = 20] = process.argv.slice(2, 4).filter((arg) => !arg.startsWith("--")).map(Number);
// Browser pages hold a guest session cookie, so a page that comes back is the same person
// and its return announces nothing; clients without one (bots, the terminal client) are
// new guests on each connection: `--no-cookies` measures those.
const withCookies = !process.argv.includes("--no-cookies");
const serverDrop = process.argv.includes("--server-drop");
/** A send every 20 ms: about 70 during a storm, so its p99 is more than its slowest send. */
const SEND_EVERY_MS = 20;
const pages = rooms * perRoom;
pinLoadGenerator();
const dataDir = mkdtempSync(joinPath(tmpdir(), "livechat-storm-"));
const server = await startHandled("livechat", { env: { DATA_DIR: dataDir, MESSAGE_RATE: "0", ...(process.env.BENCH_STORE ? { STORE: process.env.BENCH_STORE } : {}) } });
const url = `http://127.0.0.1:${server.port}`;
type Progress = { type: string; joinedOnce: number; joinedAgain: number; joinErrors: number; count?: number };
const connect = async (name: string): Promise<TestClient> => {
  const client = io(url, { transports: ["websocket"], forceNew: true, auth: { name } }) as unknown as TestClient;
  await new Promise((resolve, reject) => client.once("connect", () => resolve(undefined)).once("connect_error", reject));
  return client;
};

try {
  const stamp = Date.now().toString(36);
  const names = Array.from({ length: rooms }, (_, i) => `storm-${stamp}-${i}`);
  const sender = await connect("sender");
  const reader = await connect("reader");
  for (const room of names) {
    okOf(await join(sender, room));
    for (let i = 0; i < 20; i++) okOf(await send(sender, room, `before the storm ${i}`));
  }
  const calm = `calm-${stamp}`;
  okOf(await join(sender, calm));
  okOf(await join(reader, calm));

  const worker = new Worker(new URL("../server/testing/storm-clients.worker.mjs", import.meta.url), {
    workerData: {
      url,
      rooms: names,
      perRoom,
      withCookies,
      reconnection: { reconnectionDelay: 500, reconnectionDelayMax: 10_000, randomizationFactor: 0.5 },
    },
  });
  let progress: Progress = { type: "progress", joinedOnce: 0, joinedAgain: 0, joinErrors: 0 };
  worker.on("message", (message: Progress) => {
    if (message.type === "progress") progress = message;
  });
  await until(() => progress.joinedOnce === pages, 60_000, "every page to join");

  // Sends every 200 ms from now on; the ones made during the storm are its figure.
  const latencies: { at: number; ms: number }[] = [];
  let failed = 0;
  let sending = true;
  const sends = (async () => {
    for (let i = 0; sending; i++) {
      const at = performance.now();
      void send(sender, calm, `calm ${i}`).then(
        (ack) => (ack.ok ? latencies.push({ at, ms: performance.now() - at }) : (failed += 1)),
        () => (failed += 1),
      );
      await new Promise((resolve) => setTimeout(resolve, SEND_EVERY_MS));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idleUntil = performance.now();

  server.startLag();
  const droppedAt = performance.now();
  const dropped = serverDrop
    ? await server.dropConnections(["sender", "reader"])
    : await new Promise<number>((resolve) => {
        worker.on("message", (message: Progress) => message.type === "dropped" && resolve(message.count!));
        worker.postMessage({ type: "drop" });
      });
  await until(() => progress.joinedAgain === pages, 60_000, "every page to rejoin");
  const backAfterMs = performance.now() - droppedAt;
  const lag = await server.stopLag();
  const stormUntil = performance.now();
  sending = false;
  await sends;
  await new Promise((resolve) => setTimeout(resolve, 500));

  const stormy = latencies.filter(({ at }) => at >= droppedAt && at < stormUntil);
  const during = stormy.map(({ ms }) => ms);
  const slow = stormy.filter(({ ms }) => ms > 50).map(({ at, ms }) => `${(at - droppedAt).toFixed(0)} ms: ${ms.toFixed(0)} ms`);
  const before = latencies.filter(({ at }) => at < idleUntil).map(({ ms }) => ms);
  const ms = (value: number) => value.toFixed(1);
  console.log(
    `[reconnect storm] ${withCookies ? "pages with cookies" : "clients without cookies"}, ${serverDrop ? "the server" : "the pages"} dropping: ${dropped} of ${pages} pages in ${rooms} rooms dropped, all rejoined ${ms(backAfterMs / 1000)} s after the drop (${progress.joinErrors} join errors). ` +
      `Server event-loop delay: p50 ${ms(lag.p50Ms)} ms, p99 ${ms(lag.p99Ms)} ms, max ${ms(lag.maxMs)} ms. ` +
      `Another room's send: p50 ${ms(percentile(before, 50))} / p99 ${ms(percentile(before, 99))} ms before, ` +
      `p50 ${ms(percentile(during, 50))} / p99 ${ms(percentile(during, 99))} / max ${ms(Math.max(...during))} ms during (${during.length} sends, ${failed} failed; ` +
      `over 50 ms, sent that long after the drop: ${slow.join(", ") || "none"}). ` +
      `Load average ${loadavg()[0]!.toFixed(1)}.`,
  );
  worker.postMessage({ type: "close" });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await worker.terminate();
  sender.disconnect();
  reader.disconnect();
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
