// Several nodes on one PostgreSQL with Redis between them: accounts, one order per
// room, pushes and presence across nodes, a node killed mid-stream (Redis restarted
// under load: failures.test.ts). Real nodes, real socket.io-client connections, a
// real PostgreSQL and redis-server per test file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Ack, Message, RoomNoticePush, SendReply } from "../lib/protocol";
import { startPostgresServer, type PostgresServer } from "./postgres-server";
import { freePort, startRedisServer, type RedisServer } from "./redis-server";
import { startNode } from "./testing/node";
import { killAll, startServerProcess, type ServerProcess } from "./testing/server-process";
import { emitAck, joinRoom as join, latestList } from "./testing/socket-calls";
import { connectSocket, sessionCookie, TEST_ENV, type TestClient } from "./testing/test-server";

const PRESENCE_TTL_MS = 1_500;
/** How long a poll waits for what other nodes do: generous, the machine may be busy. */
const EVENTUALLY = { timeout: 10_000 };
const BASE_ENV = {
  HOST: "127.0.0.1",
  DATA_DIR: "",
  SESSION_SECRET: "a-test-secret-that-is-long-enough-1234567890",
  LOG_LEVEL: "silent",
  BCRYPT_COST: "4",
  STORE: "postgres",
};

let redis: RedisServer;
let postgres: PostgresServer;
/** One database for the file: every test has rooms and names of its own. */
let databaseUrl: string;
const dirs: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
let rooms = 0;
const uniqueRoom = () => `cluster-${++rooms}-${Date.now()}`;

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "livechat-cluster-test-"));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedisServer({ dir: tempDir() }), startPostgresServer({ dir: tempDir(), fsync: false })]);
  databaseUrl = await postgres.createDatabase("cluster");
}, 60_000);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  killAll();
});
afterAll(async () => {
  await Promise.all([redis?.stop(), postgres?.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A node in this process, sharing the database and `redisUrl`. */
async function node(name: string, redisUrl = redis.url, env: Record<string, string> = {}): Promise<string> {
  const { url, server } = await startNode(
    { ...TEST_ENV, ...BASE_ENV, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, NODE_NAME: name, ...env },
    { redis: { presenceTtlMs: PRESENCE_TTL_MS } },
  );
  cleanups.push(() => server.close());
  return url;
}

/** A node in a child process, which the test can kill -9. */
function nodeProcess(name: string): Promise<ServerProcess> {
  return startServerProcess("", {
    ...BASE_ENV,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    NODE_NAME: name,
    LIVECHAT_TEST_PRESENCE_TTL_MS: String(PRESENCE_TTL_MS),
  });
}

/** A cookie-less client is a person of its own; one with a guest session's cookie is that person on any node. */
function connect(url: string, name: string, cookie?: string): Promise<TestClient> {
  return connectSocket(url, { name, cookie, opened: (client) => cleanups.push(() => void client.disconnect()) });
}

function send(client: TestClient, room: string, content: string, clientId: string, timeoutMs?: number): Promise<Ack<SendReply>> {
  return emitAck<SendReply>(client, "message:send", { room, content, clientId }, timeoutMs);
}

function notices(client: TestClient): RoomNoticePush[] {
  const heard: RoomNoticePush[] = [];
  client.on("room:notice", (notice) => heard.push(notice));
  return heard;
}

const seqsOf = (messages: Message[]) => messages.map((m) => m.seq);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("starting a node", () => {
  it("stops with a sentence naming REDIS_URL when nothing answers there", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    await expect(node("node-a", url)).rejects.toThrow(/REDIS_URL points at a Redis that cannot be reached.*start Redis or fix REDIS_URL/);
  });
});

describe("accounts across nodes", () => {
  it("recognises on one node a user who registered on the other, with no SESSION_SECRET set", async () => {
    const noSecret = { SESSION_SECRET: "" };
    const [a, b] = [await node("node-a", redis.url, noSecret), await node("node-b", redis.url, noSecret)];
    const username = `ann${Date.now().toString(36)}`;
    const registered = await fetch(`${a}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password: "correct horse battery" }),
    });
    expect(registered.status).toBe(201);
    const cookie = registered.headers.getSetCookie()[0]!.split(";")[0]!;
    const me = await fetch(`${b}/api/auth/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ user: { username, guest: false } });
  });
});

describe("two nodes, one room", () => {
  it("gives every client on either node the same list in the same seq order, with every acked message", async () => {
    const urls = [await node("node-a"), await node("node-b")];
    const room = uniqueRoom();
    const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => connect(urls[i % 2]!, `writer${i}`)));
    for (const client of clients) await join(client, room);
    const lists = clients.map(latestList);

    const perClient = 15;
    const acked = await Promise.all(
      clients.map(async (client, c) => {
        const mine: Message[] = [];
        for (let i = 0; i < perClient; i++) {
          const reply = await send(client, room, `writer${c} says ${i}`, `w${c}-${i}`);
          if (!reply.ok) throw new Error(JSON.stringify(reply.error));
          mine.push(reply.message);
        }
        return mine;
      }),
    );

    const total = clients.length * perClient;
    await expect.poll(() => lists.map((list) => list.current?.seq), EVENTUALLY).toEqual(clients.map(() => total));
    const first = lists[0]!.current!.messages;
    expect(seqsOf(first)).toEqual(oneTo(total));
    for (const list of lists) expect(list.current!.messages).toEqual(first);
    const ids = new Set(first.map((m) => m.id));
    expect(acked.flat().every((message) => ids.has(message.id))).toBe(true);
    // Each writer's messages keep the order it sent them in.
    for (let c = 0; c < clients.length; c++) {
      const own = first.filter((m) => m.username === `writer${c}`).map((m) => m.content);
      expect(own).toEqual(Array.from({ length: perClient }, (_, i) => `writer${c} says ${i}`));
    }
  });

  it("shows who is in the room on every node, and announces a person once however many nodes their tabs are on", async () => {
    const [a, b] = [await node("node-a"), await node("node-b")];
    const room = uniqueRoom();
    const lee = await connect(b, "lee");
    await join(lee, room);
    const heard = notices(lee);
    // Lee's own arrival may be announced after the join's answer: only the others' notices count here.
    const heardByLee = () => heard.filter((n) => n.username !== "lee").map((n) => `${n.kind} ${n.username}`);

    // Kim's tabs share one guest session (its cookie), begun on node a.
    const kim = sessionCookie(await fetch(`${a}/api/auth/me`));
    const kimOnA = await connect(a, "kim", kim);
    const reply = await join(kimOnA, room);
    expect(reply.members.map(({ username, guest }) => ({ username, guest }))).toEqual([
      { username: "kim", guest: true },
      { username: "lee", guest: true },
    ]);
    await expect.poll(heardByLee, EVENTUALLY).toEqual(["join kim"]);

    const kimOnB = await connect(b, "kim", kim);
    await join(kimOnB, room);
    kimOnA.disconnect();
    // A later arrival proves the notices before it have all been delivered.
    await join(await connect(a, "max"), room);
    await expect.poll(heardByLee, EVENTUALLY).toEqual(["join kim", "join max"]);

    const presence = new Promise<unknown>((resolve) =>
      lee.on("room:presence", (push) => {
        if (!push.members.some((member) => member.username === "kim")) resolve(push.members.map(({ username, guest }) => ({ username, guest })));
      }),
    );
    kimOnB.disconnect();
    await expect.poll(heardByLee, EVENTUALLY).toEqual(["join kim", "join max", "leave kim"]);
    expect(await presence).toEqual([
      { username: "lee", guest: true },
      { username: "max", guest: true },
    ]);
  });

  it("pushes a message sent over HTTP on one node to the pages on the other", async () => {
    const [a, b] = [await node("node-a"), await node("node-b")];
    const room = uniqueRoom();
    const reader = await connect(b, "reader");
    await join(reader, room);
    const list = latestList(reader);
    const response = await fetch(`${a}/api/rooms/${room}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "from the other node" }),
    });
    expect(response.status).toBe(201);
    await expect.poll(() => list.current?.messages.map((m) => m.content), EVENTUALLY).toEqual(["from the other node"]);
  });
});

describe("a node killed mid-stream", () => {
  it("loses no acknowledged message: its clients reconnect to the other node and get the full list", async () => {
    const doomed = await nodeProcess("node-doomed");
    const survivor = await node("node-survivor");
    const room = uniqueRoom();
    const reader = await connect(survivor, "reader");
    await join(reader, room);
    const readerList = latestList(reader);
    const heardByReader = notices(reader);
    await join(await connect(doomed.url, "wanda"), room); // only ever on the doomed node

    const perWriter = 25;
    let ackedSoFar = 0;
    let killed = false;
    const writers = ["writer1", "writer2"].map(async (name) => {
      let client = await connect(doomed.url, name);
      await join(client, room);
      let joinedAfterKill: Message[] | undefined;
      const acked: Message[] = [];
      for (let i = 0; i < perWriter; i++) {
        // As the page does: an unconfirmed message is sent again with the same clientId.
        for (;;) {
          const reply = client.connected ? await send(client, room, `${name} #${i}`, `${name}-${i}`, 2000).catch(() => undefined) : undefined;
          if (reply?.ok) {
            acked.push(reply.message);
            break;
          }
          if (reply && !reply.ok && reply.error.code !== "room_unavailable") throw new Error(JSON.stringify(reply.error));
          if (!client.connected || reply === undefined) {
            client.disconnect();
            client = await connect(survivor, name);
            joinedAfterKill = (await join(client, room)).messages;
          }
        }
        if (++ackedSoFar === 12 && !killed) {
          killed = true;
          void doomed.kill();
        }
      }
      return { acked, joinedAfterKill };
    });
    const results = await Promise.all(writers);

    const total = 2 * perWriter;
    await expect.poll(() => readerList.current?.seq, EVENTUALLY).toBe(total);
    const final = readerList.current!.messages;
    expect(seqsOf(final)).toEqual(oneTo(total));
    const ids = new Set(final.map((m) => m.id));
    for (const { acked, joinedAfterKill } of results) {
      expect(acked.every((message) => ids.has(message.id))).toBe(true);
      // Reconnected to the survivor, the writer got every message stored before.
      expect(joinedAfterKill).toBeDefined();
      expect(seqsOf(joinedAfterKill!)).toEqual(oneTo(joinedAfterKill!.length));
    }
    // Every message once: resending after the kill stored nothing twice.
    expect(new Set(final.map((m) => m.clientId)).size).toBe(total);
    // The person who was only on the dead node leaves once its heartbeat lapses.
    await expect.poll(() => heardByReader.some((n) => n.kind === "leave" && n.username === "wanda"), EVENTUALLY).toBe(true);
  }, 60_000);
});
