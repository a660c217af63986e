// Figure for docs/reliability.md: another user's send latency while one address floods
// the server with joins (issue 16: 2,000 sockets joining 100 rooms each, MAX_LIVE_ROOMS=200).
// A sender and a reader chat in one room from 127.0.0.2; the flood comes from 127.0.0.1
// in a worker thread; calm and flooded seconds take turns, as in delivery-flood.ts.
//   node --import tsx bench/join-flood.ts [sockets=2000] [roomsEach=100] [seconds=10] [limits=on|off]
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { io as connectClient } from "socket.io-client";
import { join, okOf, send } from "../server/testing/delivery-test-helpers";
import { percentile } from "../server/testing/percentile";
import { startTestServer, type TestClient } from "../server/testing/test-server";

const [sockets = 2000, roomsEach = 100, seconds = 10] = process.argv.slice(2, 5).map(Number);
const limits = process.argv[5] !== "off";
// "off" is the server as it was: no per-address caps, so the flood reaches the rooms.
const app = await startTestServer({
  STORE: "memory",
  MAX_LIVE_ROOMS: "200",
  ...(limits ? { MAX_CONNECTIONS_PER_ADDRESS: "50", JOIN_RATE: "10", JOIN_BURST: "50" } : {}),
});
const connectFrom = (localAddress: string, name: string) =>
  new Promise<TestClient>((resolve, reject) => {
    const client: TestClient = connectClient(app.url, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      localAddress,
      auth: { name },
    } as Parameters<typeof connectClient>[1]);
    client.once("connect", () => resolve(client));
    client.once("connect_error", reject);
  });

try {
  const stamp = Date.now().toString(36);
  const room = `calm-${stamp}`;
  const sender = await connectFrom("127.0.0.2", "sender");
  const reader = await connectFrom("127.0.0.2", "reader");
  okOf(await join(sender, room));
  okOf(await join(reader, room));

  const flooder = new Worker(new URL("../server/testing/join-flooder.worker.mjs", import.meta.url), {
    workerData: { url: app.url, sockets, rooms: roomsEach, stamp },
  });
  const ready = new Promise<Record<string, number>>((resolve) =>
    flooder.on("message", (message: { type: string } & Record<string, number>) => message.type === "ready" && resolve(message)),
  );
  const done = new Promise<Record<string, number>>((resolve) =>
    flooder.on("message", (message: { type: string } & Record<string, number>) => message.type === "done" && resolve(message)),
  );
  const opened = await ready;

  const latencies: Record<"calm" | "flood", number[]> = { calm: [], flood: [] };
  let failed = 0;
  for (let second = 0; second < 2 * seconds; second++) {
    const phase = second % 2 === 0 ? "calm" : "flood";
    flooder.postMessage(phase === "flood" ? "on" : "off");
    const end = performance.now() + 1000;
    while (performance.now() < end) {
      const at = performance.now();
      void send(sender, room, `chat ${second}`).then(
        (ack) => (ack.ok ? latencies[phase].push(performance.now() - at) : (failed += 1)),
        () => (failed += 1),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  flooder.postMessage("stop");
  const counts = await done;
  await flooder.terminate();
  const p = (values: number[], q: number) => percentile(values, q).toFixed(1);
  console.log(
    `limits ${limits ? "on" : "off"}: ${sockets} sockets asked from one address, ${opened.connected} connected, ` +
      `${opened.refusedConnections} refused; ${counts.joins} joins: ${counts.ok} ok, ${counts.rate_limited} rate_limited, ` +
      `${counts.room_unavailable} room_unavailable, ${counts.other} other; live rooms ${app.server.registry.liveRooms}. ` +
      `Another address's sends (5/s): p50 ${p(latencies.calm, 50)} ms calm, ${p(latencies.flood, 50)} ms flooded; ` +
      `p99 ${p(latencies.calm, 99)} ms calm, ${p(latencies.flood, 99)} ms flooded; ` +
      `flooded sends over 50 ms: ${latencies.flood.filter((ms) => ms > 50).length} of ${latencies.flood.length}; ${failed} failed; ` +
      `joins the server ran and refused: ${app.server.deliveryStats.rateLimited}; ` +
      `RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`,
  );
  sender.disconnect();
  reader.disconnect();
} finally {
  await app.close();
}
