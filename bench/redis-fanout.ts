// Redis bytes each node receives, with rooms spread over four nodes (issue 14 item 3).
// Four nodes (STORE=postgres, a PostgreSQL and a redis-server started here); each node
// reaches Redis through a counting TCP relay of its own, so every byte Redis sends it
// (replies, pushes, its rooms' feeds) is counted, nothing else. ROOMS rooms, room i's
// people all on node i % 4; in every room people type, send and come and go for
// SECONDS. An observer subscribes to every room's channels, as one node hearing every
// feed would. Goal: each node receives at most 1.2x its own rooms' share, a quarter of
// that whole feed (each node holds a quarter of the rooms and of the load).
// Run: `node --import tsx bench/redis-fanout.ts` (ROOMS, SECONDS, PEOPLE per room).
import { execSync } from "node:child_process";
import { createConnection, createServer, type Server } from "node:net";
import { loadavg } from "node:os";
import { Redis } from "ioredis";
import { io as connectClient } from "socket.io-client";
import { roomTopic } from "../lib/protocol";
import { startNodesOnFreshPostgres } from "../server/testing/fresh-postgres";
import { startNode } from "../server/testing/node";
import { TEST_ENV, type TestClient } from "../server/testing/test-server";

const NODES = 4;
const ROOMS = Number(process.env.ROOMS ?? 40);
const SECONDS = Number(process.env.SECONDS ?? 20);
const PEOPLE = Number(process.env.PEOPLE ?? 3);
const PREFIX = "livechat:";

/** A relay from a local port to Redis that counts the bytes Redis sends through it. */
async function countingRelay(target: number): Promise<{ url: string; received: () => number; reset(): void; server: Server }> {
  let received = 0;
  const server = createServer((inbound) => {
    const outbound = createConnection({ host: "127.0.0.1", port: target });
    outbound.on("data", (chunk: Buffer) => (received += chunk.length));
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on("error", end).on("close", end);
    outbound.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `redis://127.0.0.1:${port}`, received: () => received, reset: () => void (received = 0), server };
}

const relays: Awaited<ReturnType<typeof countingRelay>>[] = [];
const cluster = await startNodesOnFreshPostgres(
  async (env, index) => {
    const relay = await countingRelay(Number(new URL(env.REDIS_URL).port));
    relays.push(relay);
    return startNode({ ...TEST_ENV, ...env, REDIS_URL: relay.url, NODE_NAME: `node-${index}` });
  },
  { count: NODES },
);
const { nodes } = cluster;
const rooms = Array.from({ length: ROOMS }, (_, i) => `fanout-${i}`);

// One node hearing every feed: Socket.IO's channel and the typing channel of every room.
const observerRelay = await countingRelay(cluster.redis.port);
const observer = new Redis(observerRelay.url);
for (const room of rooms) {
  await observer.ssubscribe(`${PREFIX}socket.io#/#${roomTopic(room)}#`);
  await observer.ssubscribe(`${PREFIX}typing#${room}`);
}

async function person(url: string, name: string, room: string): Promise<TestClient> {
  const socket: TestClient = connectClient(url, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { name } });
  await new Promise((resolve) => socket.once("connect", () => resolve(undefined)));
  await socket.timeout(10_000).emitWithAck("room:join", { room });
  return socket;
}

const people: TestClient[][] = [];
for (const [i, room] of rooms.entries()) {
  const node = nodes[i % NODES]!;
  const members: TestClient[] = [];
  for (let p = 0; p < PEOPLE; p++) members.push(await person(node.url, `p${i}x${p}`, room));
  people.push(members);
}
await new Promise((resolve) => setTimeout(resolve, 1_000));
for (const relay of [...relays, observerRelay]) relay.reset();

// The load: in every room someone types every 250 ms, a message every second, and
// every two seconds the last person leaves and comes back (notices and member lists).
let tick = 0;
const timer = setInterval(() => {
  tick++;
  for (const [i, room] of rooms.entries()) {
    const members = people[i]!;
    const typist = members[tick % members.length]!;
    typist.emit("typing", { room }, () => {});
    if (tick % 4 === 0) typist.emit("message:send", { room, content: `message ${tick} in ${room}` }, () => {});
    if (tick % 8 === 0) {
      const last = members[members.length - 1]!;
      last.emit("room:leave", { room }, () => last.emit("room:join", { room }, () => {}));
    }
  }
}, 250);
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1_000));
clearInterval(timer);
await new Promise((resolve) => setTimeout(resolve, 1_000));

const perNode = relays.map((relay) => relay.received());
const everyFeed = observerRelay.received();
// Each node holds a quarter of the rooms, with the same load: its rooms' share is a
// quarter of every room's feed. What a node receives beyond its feed (replies to its
// commands: presence writes, heartbeats, publishes) counts against it.
const share = everyFeed / NODES;
const mean = perNode.reduce((sum, bytes) => sum + bytes, 0) / NODES;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`${NODES} nodes, ${ROOMS} rooms (${ROOMS / NODES} per node), ${PEOPLE} people each, ${SECONDS} s of load`);
console.log(`every room's feed (what one node hearing every feed receives): ${kib(everyFeed)}; a node's rooms' share: ${kib(share)}`);
for (const [i, bytes] of perNode.entries()) {
  console.log(`node-${i}: ${kib(bytes)} from Redis, ${(bytes / share).toFixed(2)}x its rooms' share, ${(bytes / mean).toFixed(2)}x the nodes' mean`);
}
console.log(`worst node: ${(Math.max(...perNode) / share).toFixed(2)}x its rooms' share (goal: at most 1.2x)`);
let commit = "unknown";
try {
  commit = execSync("git rev-parse --short HEAD").toString().trim();
} catch {
  // not a git checkout
}
console.log(`${new Date().toISOString()}, commit ${commit}, load average ${loadavg().map((v) => v.toFixed(2)).join(" ")}`);

for (const members of people) for (const socket of members) socket.disconnect();
observer.disconnect();
await cluster.stop();
for (const relay of [...relays, observerRelay]) relay.server.close();
process.exit(0);
