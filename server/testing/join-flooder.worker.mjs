// Worker thread for bench/join-flood.ts: opens `sockets` Socket.IO connections from
// this machine's default address and, while switched on, has each join its own
// `rooms` distinct rooms over and over, counting the answers. Off the server's
// thread, so the flood's client work is not charged to the server.
import { parentPort, workerData } from "node:worker_threads";
import { io } from "socket.io-client";

const { url, sockets, rooms, stamp } = workerData;
const counts = { connected: 0, refusedConnections: 0, joins: 0, ok: 0, rate_limited: 0, room_unavailable: 0, other: 0 };
const clients = await Promise.all(
  Array.from({ length: sockets }, (_, i) => {
    const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { name: `flood${i}` } });
    return new Promise((resolve) => {
      socket.once("connect", () => {
        counts.connected += 1;
        resolve(socket);
      });
      socket.once("connect_error", () => {
        counts.refusedConnections += 1;
        socket.close();
        resolve(null);
      });
    });
  }),
);
const open = clients.filter(Boolean);
let on = false;
let stopped = false;

async function flood(socket, i) {
  while (!stopped) {
    if (!on) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    await Promise.all(
      Array.from({ length: rooms }, (_, r) => {
        counts.joins += 1;
        return socket
          .timeout(30_000)
          .emitWithAck("room:join", { room: `jflood-${stamp}-${i}-${r}` })
          .then(
            (ack) => (counts[ack.ok ? "ok" : ack.error.code in counts ? ack.error.code : "other"] += 1),
            () => (counts.other += 1),
          );
      }),
    );
  }
}
const loops = open.map(flood);
parentPort.postMessage({ type: "ready", ...counts });
parentPort.on("message", async (message) => {
  if (message === "on") on = true;
  if (message === "off") on = false;
  if (message === "stop") {
    stopped = true;
    await Promise.allSettled(loops);
    for (const socket of open) socket.close();
    parentPort.postMessage({ type: "done", ...counts });
  }
});
