// Figure for docs/reliability.md (issue 16 item 8): the server's event-loop delay and
// another room's send latency while 1,000 pages rejoin at once. The storm is the one of
// server/reconnect-storm.test.ts (50 rooms of 20 pages in a worker thread, every TCP
// connection destroyed at once); meanwhile a sender and a reader in a room of their own
// chat at 5 messages a second, and each send's acknowledgement is timed.
//   node --import tsx bench/reconnect-storm.ts [rooms=50] [perRoom=20]
// Add --cpu-prof --cpu-prof-dir=DIR to node for where the server thread's time goes.
import { loadavg } from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { join, okOf, send, until } from "../server/testing/delivery-test-helpers";
import { percentile } from "../server/testing/percentile";
import { startTestServer } from "../server/testing/test-server";

const [rooms = 50, perRoom = 20] = process.argv.slice(2, 4).map(Number);
const pages = rooms * perRoom;
const app = await startTestServer();
type Progress = { type: string; joinedOnce: number; joinedAgain: number; joinErrors: number };

try {
  const stamp = Date.now().toString(36);
  const names = Array.from({ length: rooms }, (_, i) => `storm-${stamp}-${i}`);
  for (const room of names) {
    for (let i = 0; i < 20; i++) {
      const response = await app.request(`/api/rooms/${room}/messages`, { method: "POST", json: { content: `before the storm ${i}` } });
      if (response.status !== 201) throw new Error(`posting to ${room}: ${response.status}`);
    }
  }
  const calm = `calm-${stamp}`;
  const sender = await app.connect({ name: "sender" });
  const reader = await app.connect({ name: "reader" });
  okOf(await join(sender, calm));
  okOf(await join(reader, calm));

  const worker = new Worker(new URL("../server/testing/storm-clients.worker.mjs", import.meta.url), {
    workerData: { url: app.url, rooms: names, perRoom, reconnection: { reconnectionDelay: 500, reconnectionDelayMax: 10_000, randomizationFactor: 0.5 } },
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
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idleUntil = performance.now();

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const droppedAt = performance.now();
  for (const socket of app.server.io!.sockets.sockets.values()) {
    if (socket.data.identity.username === "sender" || socket.data.identity.username === "reader") continue;
    (socket.conn.transport as unknown as { socket: { terminate(): void } }).socket.terminate();
  }
  await until(() => progress.joinedAgain === pages, 60_000, "every page to rejoin");
  const backAfterMs = performance.now() - droppedAt;
  lag.disable();
  const stormUntil = performance.now();
  sending = false;
  await sends;
  await new Promise((resolve) => setTimeout(resolve, 500));

  const during = latencies.filter(({ at }) => at >= droppedAt && at < stormUntil).map(({ ms }) => ms);
  const before = latencies.filter(({ at }) => at < idleUntil).map(({ ms }) => ms);
  const ms = (value: number) => value.toFixed(1);
  console.log(
    `[reconnect storm] ${pages} pages in ${rooms} rooms rejoined ${ms(backAfterMs / 1000)} s after the drop (${progress.joinErrors} join errors). ` +
      `Event-loop delay: p50 ${ms(lag.percentile(50) / 1e6)} ms, p99 ${ms(lag.percentile(99) / 1e6)} ms, max ${ms(lag.max / 1e6)} ms. ` +
      `Another room's send: p50 ${ms(percentile(before, 50))} / p99 ${ms(percentile(before, 99))} ms before, ` +
      `p50 ${ms(percentile(during, 50))} / p99 ${ms(percentile(during, 99))} / max ${ms(Math.max(...during))} ms during (${during.length} sends, ${failed} failed). ` +
      `Load average ${loadavg()[0]!.toFixed(1)}.`,
  );
  worker.postMessage({ type: "close" });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await worker.terminate();
  sender.disconnect();
  reader.disconnect();
} finally {
  await app.close();
}
