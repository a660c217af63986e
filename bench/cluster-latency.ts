// Cross-node push latency: two nodes on a PostgreSQL and a redis-server started here. A
// client on node A sends messages one at a time; clients on A and on B time the
// room:messages push that carries each one. Then a throughput run (writers on
// both nodes at once), and how fast a send is refused while the store is stopped.
// Run: `npm run bench:cluster` (figures in docs/scaling.md). PostgreSQL fsyncs, as
// in production; WRITERS sets the throughput run's writers (default 8).
import { io as connectClient } from "socket.io-client";
import { startNodesOnFreshPostgres } from "../server/testing/fresh-postgres";
import { startNode } from "../server/testing/node";
import { percentile } from "../server/testing/percentile";
import { TEST_ENV, type TestClient } from "../server/testing/test-server";

const SAMPLES = Number(process.env.SAMPLES ?? 300);
const WRITERS = Number(process.env.WRITERS ?? 8);
const startOne = (env: Record<"STORE" | "DATABASE_URL" | "REDIS_URL", string>, i: number) =>
  startNode({ ...TEST_ENV, ...env, NODE_NAME: `node-${"ab"[i]}` });
/** The nodes, and the server of their store (stopped at the end to time refusals). */
const onDatabase = await startNodesOnFreshPostgres(startOne, { fsync: true });
const cluster = { ...onDatabase, store: onDatabase.postgres };
const { nodes } = cluster;
const storeName = "PostgreSQL";
console.log("two nodes on PostgreSQL (Redis between them)");

async function client(url: string, name: string, room: string): Promise<TestClient> {
  const socket: TestClient = connectClient(url, { transports: ["websocket"], forceNew: true, auth: { name } });
  await new Promise((resolve) => socket.once("connect", () => resolve(undefined)));
  await socket.emitWithAck("room:join", { room });
  return socket;
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

// Throughput: half the writers on each node, each sending its share as fast as acks come back.
const busy = `bench-busy-${Date.now()}`;
const writers = await Promise.all(Array.from({ length: WRITERS }, (_, i) => client(nodes[i % 2]!.url, `writer${i}`, busy)));
const perWriter = Math.ceil((SAMPLES * 4) / WRITERS);
const started = performance.now();
await Promise.all(
  writers.map(async (writer, w) => {
    for (let i = 0; i < perWriter; i++) await writer.emitWithAck("message:send", { room: busy, content: `w${w} ${i}`, clientId: `w${w}-${i}` });
  }),
);
const seconds = (performance.now() - started) / 1000;
console.log(
  `${writers.length * perWriter} messages from ${WRITERS} writers on 2 nodes: ${((writers.length * perWriter) / seconds).toFixed(0)} messages/s`,
);

// The store away: how long a send waits for its room_unavailable answer.
await cluster.store.stop();
const refusals: number[] = [];
for (let i = 0; i < 20; i++) {
  const asked = performance.now();
  const reply = (await sender.emitWithAck("message:send", { room, content: "while the store is away", clientId: `away-${i}` })) as { ok: boolean };
  if (reply.ok) throw new Error(`a send succeeded while ${storeName} was stopped`);
  refusals.push(performance.now() - asked);
}
console.log(`while ${storeName} is stopped, a send is refused after ${summary(refusals)}`);

for (const socket of [sender, sameNode, otherNode, ...writers]) socket.disconnect();
await cluster.stop();
