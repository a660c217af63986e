// Worker thread for the flood probe (server/flood-probe.ts): one socket that
// joins a room and, while switched on, sends `perSecond` messages a second,
// counting the answers. Kept off the server's thread so the flooder's own client
// work is not charged to the server. Plain JavaScript: worker threads do not go
// through vitest's TypeScript loader.
import { parentPort, workerData } from "node:worker_threads";
import { io } from "socket.io-client";

const { url, room, perSecond } = workerData;
const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { name: "flooder" } });
await new Promise((resolve, reject) => {
  socket.once("connect", resolve);
  socket.once("connect_error", reject);
});
const joined = await socket.timeout(10_000).emitWithAck("room:join", { room });
if (!joined.ok) throw new Error(`the flooder could not join: ${joined.error.code}`);

const counts = { sent: 0, accepted: 0, refused: 0, other: 0 };
const answers = [];
let firstOn = null;
let onSince = null;
let onMs = 0;
const floodedMs = () => onMs + (onSince === null ? 0 : performance.now() - onSince);

const timer = setInterval(() => {
  if (onSince === null) return;
  // The target rate over the time switched on, catching up whatever a late timer missed.
  const due = Math.floor((floodedMs() / 1000) * perSecond) - counts.sent;
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
}, 10);

parentPort.on("message", async (message) => {
  if (message === "on") {
    onSince ??= performance.now();
    firstOn ??= onSince;
  }
  if (message === "off" && onSince !== null) {
    onMs += performance.now() - onSince;
    onSince = null;
  }
  if (message === "stop") {
    clearInterval(timer);
    await Promise.allSettled(answers);
    parentPort.postMessage({
      type: "done",
      ...counts,
      seconds: floodedMs() / 1000,
      // The bucket refills all along, flooding or not.
      spanSeconds: (performance.now() - (firstOn ?? performance.now())) / 1000,
      stillConnected: socket.connected,
    });
    socket.disconnect();
  }
});
parentPort.postMessage({ type: "joined" });
