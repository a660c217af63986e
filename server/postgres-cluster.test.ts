// Nodes whose store is PostgreSQL (STORE=postgres): one node needs no Redis, its
// history outlives it; two nodes writing one room agree on one order; and with
// no Redis between them, nodes still follow each other's messages through
// PostgreSQL's own feed. Real nodes, a real PostgreSQL (and redis-server) per file.
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
import { connectSocket, TEST_ENV, type TestClient } from "./testing/test-server";

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

let postgres: PostgresServer;
let redis: RedisServer;
const dirs: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
let databases = 0;

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "livechat-postgres-cluster-test-"));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgresServer({ dir: tempDir(), fsync: false }), startRedisServer({ dir: tempDir() })]);
}, 60_000);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  killAll();
});
afterAll(async () => {
  await Promise.all([postgres?.stop(), redis?.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const freshDatabase = () => postgres.createDatabase(`cluster_${++databases}`);

/** A node in this process on `databaseUrl`, with Redis between the nodes unless `redisUrl` is "". */
async function node(name: string, databaseUrl: string, redisUrl = redis.url): Promise<{ url: string; close(): Promise<void> }> {
  const { url, server } = await startNode(
    { ...TEST_ENV, ...BASE_ENV, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, NODE_NAME: name },
    { redis: { presenceTtlMs: PRESENCE_TTL_MS } },
  );
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
  };
  cleanups.push(close);
  return { url, close };
}

/** A node in a child process, which the test can kill -9. */
function nodeProcess(name: string, databaseUrl: string): Promise<ServerProcess> {
  return startServerProcess("", {
    ...BASE_ENV,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    NODE_NAME: name,
    LIVECHAT_TEST_PRESENCE_TTL_MS: String(PRESENCE_TTL_MS),
  });
}

function connect(url: string, name: string): Promise<TestClient> {
  return connectSocket(url, { name, opened: (client) => cleanups.push(() => void client.disconnect()) });
}

function trySend(client: TestClient, room: string, content: string, clientId: string, timeoutMs?: number): Promise<Ack<SendReply>> {
  return emitAck<SendReply>(client, "message:send", { room, content, clientId }, timeoutMs);
}

async function send(client: TestClient, room: string, content: string, clientId: string): Promise<Message> {
  const reply = await trySend(client, room, content, clientId);
  if (!reply.ok) throw new Error(`send failed: ${JSON.stringify(reply.error)}`);
  return reply.message;
}

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("starting a node on PostgreSQL", () => {
  it("stops with a sentence naming DATABASE_URL when nothing answers there", async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/livechat`;
    await expect(node("node-a", url, "")).rejects.toThrow(/DATABASE_URL points at a PostgreSQL that cannot be reached.*fix DATABASE_URL/);
  });

  it("runs one node with no Redis at all, and its rooms' history outlives the node", async () => {
    const database = await freshDatabase();
    const first = await node("node-a", database, "");
    const writer = await connect(first.url, "kim");
    await join(writer, "lobby");
    const sent = [await send(writer, "lobby", "hello", "c1"), await send(writer, "lobby", "still there?", "c2")];
    writer.disconnect();
    await first.close();

    const second = await node("node-b", database, "");
    const reader = await connect(second.url, "lee");
    const reply = await join(reader, "lobby");
    expect(reply.messages).toEqual(sent);
    expect((await send(reader, "lobby", "yes", "c3")).seq).toBe(3);
  });
});

describe("two nodes on one PostgreSQL", () => {
  it("gives every client on either node the same list in one gap-free seq order, with every acked message", async () => {
    const database = await freshDatabase();
    const urls = [(await node("node-a", database)).url, (await node("node-b", database)).url];
    const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => connect(urls[i % 2]!, `writer${i}`)));
    for (const client of clients) await join(client, "lobby");
    const lists = clients.map(latestList);

    const perClient = 15;
    const acked = await Promise.all(
      clients.map(async (client, c) => {
        const mine: Message[] = [];
        for (let i = 0; i < perClient; i++) mine.push(await send(client, "lobby", `writer${c} says ${i}`, `w${c}-${i}`));
        return mine;
      }),
    );

    const total = clients.length * perClient;
    await expect.poll(() => lists.map((list) => list.current?.seq), EVENTUALLY).toEqual(clients.map(() => total));
    const first = lists[0]!.current!.messages;
    expect(first.map((message) => message.seq)).toEqual(oneTo(total));
    for (const list of lists) expect(list.current!.messages).toEqual(first);
    const ids = new Set(first.map((message) => message.id));
    expect(acked.flat().every((message) => ids.has(message.id))).toBe(true);
  });

  it("without Redis, still shows a page on one node the messages sent through the other", async () => {
    const database = await freshDatabase();
    const [a, b] = [await node("node-a", database, ""), await node("node-b", database, "")];
    const reader = await connect(b.url, "lee");
    await join(reader, "lobby");
    const list = latestList(reader);
    const writer = await connect(a.url, "kim");
    await join(writer, "lobby");

    const sent = [await send(writer, "lobby", "one", "c1"), await send(writer, "lobby", "two", "c2")];
    await expect.poll(() => list.current?.messages, EVENTUALLY).toEqual(sent);
  });
});

describe("a node on PostgreSQL killed mid-stream", () => {
  it("loses no acknowledged message: its clients reconnect to the other node and get the full list", async () => {
    const database = await freshDatabase();
    const doomed = await nodeProcess("node-doomed", database);
    const survivor = (await node("node-survivor", database)).url;
    const reader = await connect(survivor, "reader");
    await join(reader, "lobby");
    const readerList = latestList(reader);
    const heardByReader: RoomNoticePush[] = [];
    reader.on("room:notice", (notice) => heardByReader.push(notice));
    await join(await connect(doomed.url, "wanda"), "lobby"); // only ever on the doomed node

    const perWriter = 25;
    let ackedSoFar = 0;
    let killed = false;
    const writers = ["writer1", "writer2"].map(async (name) => {
      let client = await connect(doomed.url, name);
      await join(client, "lobby");
      let joinedAfterKill: Message[] | undefined;
      const acked: Message[] = [];
      for (let i = 0; i < perWriter; i++) {
        // As the page does: an unconfirmed message is sent again with the same clientId.
        for (;;) {
          const reply = client.connected ? await trySend(client, "lobby", `${name} #${i}`, `${name}-${i}`, 2000).catch(() => undefined) : undefined;
          if (reply?.ok) {
            acked.push(reply.message);
            break;
          }
          if (reply && !reply.ok && reply.error.code !== "room_unavailable") throw new Error(JSON.stringify(reply.error));
          if (!client.connected || reply === undefined) {
            client.disconnect();
            client = await connect(survivor, name);
            joinedAfterKill = (await join(client, "lobby")).messages;
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
    expect(final.map((message) => message.seq)).toEqual(oneTo(total));
    const ids = new Set(final.map((message) => message.id));
    for (const { acked, joinedAfterKill } of results) {
      expect(acked.every((message) => ids.has(message.id))).toBe(true);
      expect(joinedAfterKill).toBeDefined();
    }
    // Every message once: resending after the kill stored nothing twice.
    expect(new Set(final.map((message) => message.clientId)).size).toBe(total);
    // The person who was only on the dead node leaves once its heartbeat lapses.
    await expect.poll(() => heardByReader.some((n) => n.kind === "leave" && n.username === "wanda"), EVENTUALLY).toBe(true);
  }, 60_000);
});

describe("PostgreSQL restarted under two nodes", () => {
  it("answers room_unavailable with a sentence while it is down, and recovers by itself with nothing acknowledged lost", async () => {
    const ownDir = tempDir();
    let own = await startPostgresServer({ dir: ownDir, fsync: false });
    cleanups.push(() => own.stop());
    const database = await own.createDatabase("restart");
    const [a, b] = [await node("node-a", database), await node("node-b", database)];
    const reader = await connect(b.url, "lee");
    await join(reader, "lobby");
    const list = latestList(reader);
    const writer = await connect(a.url, "kim");
    await join(writer, "lobby");
    const acked = [await send(writer, "lobby", "before", "c1")];

    await own.stop();
    const refused = await trySend(writer, "lobby", "during", "c2");
    expect(refused).toMatchObject({ ok: false, error: { code: "room_unavailable", message: expect.stringMatching(/PostgreSQL/) } });

    own = await startPostgresServer({ dir: ownDir, fsync: false, port: own.port });
    // As the page does: the refused message is sent again, with the same clientId, until it is stored.
    await expect
      .poll(async () => {
        const reply = await trySend(writer, "lobby", "during", "c2").catch(() => undefined);
        if (reply?.ok) acked.push(reply.message);
        return reply?.ok;
      }, { timeout: 20_000, interval: 500 })
      .toBe(true);
    acked.push(await send(writer, "lobby", "after", "c3"));

    await expect.poll(() => list.current?.messages, EVENTUALLY).toEqual(acked);
    expect(acked.map((message) => message.seq)).toEqual([1, 2, 3]);
  }, 60_000);
});
