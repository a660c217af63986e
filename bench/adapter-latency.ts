// How long a message posted over REST takes to reach a Socket.IO client, an SSE
// stream and a gRPC Watch on one node (in-process server, loopback clients).
// Run: node --import tsx bench/adapter-latency.ts [messages=300]
import { performance } from "node:perf_hooks";
import { connectGrpc, openSse } from "../server/testing/test-clients";
import { startTestServer } from "../server/testing/test-server";

const count = Number(process.argv[2] ?? 300);
const app = await startTestServer();
const room = `bench-${Date.now()}`;
const grpc = connectGrpc(`127.0.0.1:${app.server.grpc!.port}`);
const socket = await app.connect({ name: "bencher" });
await socket.emitWithAck("room:join", { room });

const seen = { socket: new Map<number, number>(), sse: new Map<number, number>(), grpc: new Map<number, number>() };
socket.on("room:messages", (push) => seen.socket.set(push.seq, performance.now()));
const sse = await openSse(`${app.url}/api/rooms/${room}/stream`, (event) => {
  seen.sse.set((event.data as { seq: number }).seq, performance.now());
});
const watch = grpc.watch(room, {}, (event) => {
  if (event.event === "messages") seen.grpc.set(event.messages.seq, performance.now());
});

const sentAt = new Map<number, number>();
for (let i = 1; i <= count; i++) {
  const start = performance.now();
  const response = await app.request(`/api/rooms/${room}/messages`, { method: "POST", json: { content: `m${i}` } });
  const { message } = (await response.json()) as { message: { seq: number } };
  sentAt.set(message.seq, start);
  // One message in flight at a time: each latency is one message's own path.
  while (!(seen.socket.has(message.seq) && seen.sse.has(message.seq) && seen.grpc.has(message.seq))) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const report = (name: string, times: Map<number, number>) => {
  const latencies = [...sentAt].map(([seq, start]) => times.get(seq)! - start).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
  console.log(`${name.padEnd(10)} p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  max ${at(1)} ms`);
};
console.log(`${count} messages posted over REST, one at a time, POST start -> seen by the watcher:`);
report("socket.io", seen.socket);
report("sse", seen.sse);
report("grpc", seen.grpc);
sse.close();
watch.cancel();
grpc.close();
await app.close();
