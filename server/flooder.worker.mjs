// Worker thread for the flood probe (server/flood-probe.ts): one socket that
// joins a room and sends `perSecond` messages a second for `seconds`, counting
// the answers. Kept off the server's thread so the flooder's own client work is
// not charged to the server. Plain JavaScript: worker threads do not go through
// vitest's TypeScript loader.
import { parentPort, workerData } from "node:worker_threads";
import { io } from "socket.io-client";

const { url, room, perSecond, seconds } = workerData;
const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { name: "flooder" } });
await new Promise((resolve, reject) => {
  socket.once("connect", resolve);
  socket.once("connect_error", reject);
});
const joined = await socket.timeout(10_000).emitWithAck("room:join", { room });
if (!joined.ok) throw new Error(`the flooder could not join: ${joined.error.code}`);
parentPort.postMessage({ type: "joined" });

const counts = { sent: 0, accepted: 0, refused: 0, other: 0 };
const answers = [];
const start = performance.now();
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const elapsed = (performance.now() - start) / 1000;
    // The target rate, catching up whatever a late timer missed.
    const due = Math.floor(Math.min(elapsed, seconds) * perSecond) - counts.sent;
    for (let i = 0; i < due; i++) {
      counts.sent += 1;
      answers.push(
        socket
          .timeout(30_000)
          .emitWithAck("message:send", { room, content: `flood ${counts.sent}` })
          .then((ack) => {
            if (ack.ok) counts.accepted += 1;
            else if (ack.error.code === "rate_limited") counts.refused += 1;
            else counts.other += 1;
          }),
      );
    }
    if (elapsed >= seconds) {
      clearInterval(timer);
      resolve();
    }
  }, 10);
});
const floodSeconds = (performance.now() - start) / 1000;
await Promise.allSettled(answers);
parentPort.postMessage({ type: "done", ...counts, seconds: floodSeconds, stillConnected: socket.connected });
socket.disconnect();
