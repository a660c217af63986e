// The RedisStore against the Store contract every backend passes, on a real
// redis-server started for this file; each store gets a fresh key prefix.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer, type RedisServer } from "../../server/redis-server";
import type { Message } from "../protocol";
import { connectRedis } from "./redis-connection";
import { RedisStore } from "./redis";
import { describeStore } from "./store.contract";

let redis: RedisServer;
let dir: string;
let prefixes = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "livechat-redis-store-"));
  redis = await startRedisServer({ dir });
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function createStore(): Promise<RedisStore> {
  const [client, subscriber] = await Promise.all([connectRedis(redis.url), connectRedis(redis.url)]);
  return new RedisStore({ redis: client, subscriber, prefix: `test-${process.pid}-${++prefixes}:` });
}

describeStore("RedisStore", createStore);

/** Resolves once Redis counts `count` subscribers of the feed under `prefix`: the nodes' watches have reached it. */
async function watchedBy(prefix: string, count: number): Promise<void> {
  const redisClient = await connectRedis(redis.url);
  try {
    await expect.poll(async () => ((await redisClient.call("PUBSUB", "NUMSUB", `${prefix}feed`)) as [string, number])[1]).toBe(count);
  } finally {
    redisClient.disconnect();
  }
}

describe("RedisStore shared by two nodes", () => {
  it("gives both nodes one gapless order when they append to one room at once", async () => {
    const prefix = `shared-${++prefixes}:`;
    const nodes = await Promise.all(
      [0, 1].map(async () => new RedisStore({ redis: await connectRedis(redis.url), subscriber: await connectRedis(redis.url), prefix })),
    );
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => nodes[i % 2]!.append("lobby", { username: "gage", guest: false, content: `m${i}`, sentAt: new Date().toISOString() })),
      );
      expect(results.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(await nodes[0]!.recent("lobby", 100)).toEqual(await nodes[1]!.recent("lobby", 100));
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  it("tells every watching node of each append in seq order, and of a deleted room", async () => {
    const prefix = `feed-${++prefixes}:`;
    const [writer, watcher] = await Promise.all(
      [0, 1].map(async () => new RedisStore({ redis: await connectRedis(redis.url), subscriber: await connectRedis(redis.url), prefix })),
    );
    const heard: Message[] = [];
    const deleted: string[] = [];
    watcher!.watch({ appended: (message) => heard.push(message), deleted: (room) => deleted.push(room), resync: () => {} });
    writer!.watch({ appended: () => {}, deleted: () => {}, resync: () => {} });
    try {
      await watchedBy(prefix, 2);
      const stored: Message[] = [];
      for (let i = 1; i <= 5; i++) {
        const draft = { username: "kim", guest: true, content: `hello ${i}`, sentAt: new Date().toISOString(), clientId: `c${i}` };
        stored.push((await writer!.append("lobby", draft)).message);
      }
      await writer!.append("lobby", { username: "kim", guest: true, content: "again", sentAt: new Date().toISOString(), clientId: "c1" });
      await writer!.deleteRoom("lobby");
      await expect.poll(() => deleted).toEqual(["lobby"]);
      expect(heard.map((m) => [m.seq, m.content])).toEqual([1, 2, 3, 4, 5].map((n) => [n, `hello ${n}`]));
      expect(heard).toEqual(stored);
    } finally {
      await Promise.all([writer!.close(), watcher!.close()]);
    }
  });

  it("tells the other node of each changed message, and keeps concurrent edits and deletes of one message whole", async () => {
    const prefix = `changes-${++prefixes}:`;
    const [writer, watcher] = await Promise.all(
      [0, 1].map(async () => new RedisStore({ redis: await connectRedis(redis.url), subscriber: await connectRedis(redis.url), prefix })),
    );
    const changed: Message[] = [];
    watcher!.watch({ appended: () => {}, changed: (message) => changed.push(message), deleted: () => {}, resync: () => {} });
    try {
      await watchedBy(prefix, 1);
      await writer!.append("lobby", { username: "gage", guest: false, content: "helo", sentAt: new Date().toISOString(), author: "user:gage" });
      const edited = await writer!.updateMessage("lobby", 1, { kind: "edit", content: "hello", at: new Date().toISOString(), author: "user:gage" });
      await expect.poll(() => changed).toEqual([edited]);
      // Both nodes at once: each change applies to what the other left, none is lost.
      const edits = Array.from({ length: 10 }, (_, i) =>
        [writer, watcher][i % 2]!.updateMessage("lobby", 1, { kind: "edit", content: `edit ${i}`, at: new Date().toISOString(), author: "user:gage" }),
      );
      await Promise.all(edits);
      const tombstone = await watcher!.updateMessage("lobby", 1, { kind: "delete" });
      expect(tombstone).toMatchObject({ seq: 1, content: "", deleted: true });
      expect(await writer!.recent("lobby", 10)).toEqual([tombstone]);
    } finally {
      await Promise.all([writer!.close(), watcher!.close()]);
    }
  });

  // Guards the echo: a node used to hear each of its own messages back on the feed, parse it and drop it.
  it("does not tell a node of its own appends and deletions, only of the other nodes'", async () => {
    const prefix = `own-${++prefixes}:`;
    const [self, other] = await Promise.all(
      [0, 1].map(async () => new RedisStore({ redis: await connectRedis(redis.url), subscriber: await connectRedis(redis.url), prefix })),
    );
    const heard: string[] = [];
    self!.watch({ appended: (message) => heard.push(message.content), deleted: (room) => heard.push(`deleted ${room}`), resync: () => {} });
    try {
      await watchedBy(prefix, 1);
      const draft = (content: string) => ({ username: "kim", guest: true, content, sentAt: new Date().toISOString() });
      await self!.append("lobby", draft("mine"));
      await self!.deleteRoom("kitchen");
      await other!.append("lobby", draft("theirs"));
      await other!.deleteRoom("attic");
      await expect.poll(() => heard).toEqual(["theirs", "deleted attic"]);
    } finally {
      await Promise.all([self!.close(), other!.close()]);
    }
  });
});
