// Cross-node push latency: two nodes sharing a redis-server started here. A
// client on node A sends messages one at a time; clients on A and on B time the
// room:messages push that carries each one. Then a throughput run: writers on
// both nodes at once. Run: `npm run bench:cluster` (figures in docs/scaling.md).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { io as connectClient } from "socket.io-client";
import { startRedisServer } from "../server/redis-server";
import { startNode, type TestClient } from "../server/test-server";

const SAMPLES = Number(process.env.SAMPLES ?? 300);
const dir = mkdtempSync(path.join(tmpdir(), "livechat-bench-redis-"));
const redis = await startRedisServer({ dir });
const env = { STORE: "redis", REDIS_URL: redis.url, LOG_LEVEL: "silent" };
const nodes = [await startNode({ ...env, NODE_NAME: "node-a" }), await startNode({ ...env, NODE_NAME: "node-b" })];

async function client(url: string, name: string, room: string): Promise<TestClient> {
  const socket: TestClient = connectClient(url, { transports: ["websocket"], forceNew: true, auth: { name } });
  await new Promise((resolve) => socket.once("connect", () => resolve(undefined)));
  await socket.emitWithAck("room:join", { room });
  return socket;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const summary = (values: number[]) =>
  `p50 ${percentile(values, 50).toFixed(2)} ms, p95 ${percentile(values, 95).toFixed(2)} ms, p99 ${percentile(values, 99).toFixed(2)} ms`;

// Latency: one message at a time.
const room = `bench-${Date.now()}`;
const sender = await client(nodes[0]!.url, "sender", room);
const sameNode = await client(nodes[0]!.url, "near", room);
const otherNode = await client(nodes[1]!.url, "far", room);
const acks: number[] = [];
const near: number[] = [];
const far: number[] = [];
for (let i = 1; i <= SAMPLES; i++) {
  const started = performance.now();
  const heard = (socket: TestClient) =>
    new Promise<number>((resolve) => {
      const listener = (push: { seq: number }) => {
        if (push.seq < i) return;
        socket.off("room:messages", listener);
        resolve(performance.now() - started);
      };
      socket.on("room:messages", listener);
    });
  const [ack, nearMs, farMs] = await Promise.all([
    sender.emitWithAck("message:send", { room, content: `sample ${i}`, clientId: `s${i}` }).then(() => performance.now() - started),
    heard(sameNode),
    heard(otherNode),
  ]);
  acks.push(ack);
  near.push(nearMs);
  far.push(farMs);
}
console.log(`${SAMPLES} messages sent one at a time from node A:`);
console.log(`  ack to the sender         ${summary(acks)}`);
console.log(`  push to a page on node A  ${summary(near)}`);
console.log(`  push to a page on node B  ${summary(far)}`);

// Throughput: 4 writers on each node, each sending its share as fast as acks come back.
const busy = `bench-busy-${Date.now()}`;
const writers = await Promise.all(Array.from({ length: 8 }, (_, i) => client(nodes[i % 2]!.url, `writer${i}`, busy)));
const perWriter = Math.ceil(SAMPLES / 2);
const started = performance.now();
await Promise.all(
  writers.map(async (writer, w) => {
    for (let i = 0; i < perWriter; i++) await writer.emitWithAck("message:send", { room: busy, content: `w${w} ${i}`, clientId: `w${w}-${i}` });
  }),
);
const seconds = (performance.now() - started) / 1000;
console.log(`${writers.length * perWriter} messages from 8 writers on 2 nodes: ${((writers.length * perWriter) / seconds).toFixed(0)} messages/s`);

for (const socket of [sender, sameNode, otherNode, ...writers]) socket.disconnect();
for (const node of nodes) await node.server.close();
await redis.stop();
rmSync(dir, { recursive: true, force: true });
