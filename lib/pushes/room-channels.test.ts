// Per-room channels between nodes on a real redis-server started for this file: a node
// hears a room's changes while it follows the room and not after, never its own, and
// ignores what is not a change of ours.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer, type RedisServer } from "../../server/redis-server";
import { connectRedis, type RedisClient } from "../store/redis-connection";
import { openRoomChannel, type RoomChannel } from "./room-channels";

let redis: RedisServer;
let dir: string;
const connections: RedisClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "livechat-room-channels-"));
  redis = await startRedisServer({ dir });
});
afterAll(async () => {
  for (const connection of connections) connection.disconnect();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Change {
  room: string;
  text: string;
}

const parse = (value: unknown): Change | undefined => {
  if (typeof value !== "object" || value === null) return undefined;
  const { room, text } = value as Record<string, unknown>;
  return typeof room === "string" && typeof text === "string" ? { room, text } : undefined;
};

/** One node's channel of kind "test", and what it received. */
async function node(prefix: string): Promise<{ channel: RoomChannel<Change>; received: Change[]; publisher: RedisClient }> {
  const [publisher, subscriber] = await Promise.all([connectRedis(redis.url), connectRedis(redis.url)]);
  connections.push(publisher, subscriber);
  const received: Change[] = [];
  const channel = openRoomChannel<Change>({ publisher, subscriber, prefix, parse, receive: (change) => received.push(change) });
  return { channel, received, publisher };
}

/** Lets messages arrive: that nothing arrived can only be seen after a wait. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

/** Resolves once Redis counts `count` subscribers of the room's channel: the follows have reached it. */
async function followedBy(publisher: RedisClient, prefix: string, room: string, count: number): Promise<void> {
  await expect.poll(async () => ((await publisher.call("PUBSUB", "SHARDNUMSUB", `${prefix}${room}`)) as [string, number])[1]).toBe(count);
}

describe("room channels", () => {
  it("delivers a room's changes to the nodes that follow it, not to others, nor back to the sender", async () => {
    const prefix = `rc-${Date.now()}#`;
    const [a, b, c] = await Promise.all([node(prefix), node(prefix), node(prefix)]);
    a.channel.follow("lobby");
    b.channel.follow("lobby");
    c.channel.follow("kitchen");
    await followedBy(a.publisher, prefix, "lobby", 2);
    await followedBy(a.publisher, prefix, "kitchen", 1);

    a.channel.publish("lobby", { room: "lobby", text: "from a" });
    await expect.poll(() => b.received).toEqual([{ room: "lobby", text: "from a" }]);
    await settle();
    expect(a.received).toEqual([]);
    expect(c.received).toEqual([]);

    b.channel.unfollow("lobby");
    await settle();
    a.channel.publish("lobby", { room: "lobby", text: "again" });
    c.channel.publish("kitchen", { room: "kitchen", text: "not for lobby" });
    await settle();
    expect(b.received).toEqual([{ room: "lobby", text: "from a" }]);
  });

  it("ignores what is not a change: bad JSON, another shape, a channel it does not follow", async () => {
    const prefix = `rc-bad-${Date.now()}#`;
    const a = await node(prefix);
    a.channel.follow("lobby");
    await followedBy(a.publisher, prefix, "lobby", 1);
    for (const raw of ["not json", "42", JSON.stringify({ from: "x", change: { room: 1 } }), JSON.stringify(null)]) {
      await a.publisher.spublish(`${prefix}lobby`, raw);
    }
    await a.publisher.spublish(`${prefix}elsewhere`, JSON.stringify({ from: "x", change: { room: "elsewhere", text: "no" } }));
    await a.publisher.spublish(`${prefix}lobby`, JSON.stringify({ from: "x", change: { room: "lobby", text: "yes" } }));
    await expect.poll(() => a.received).toEqual([{ room: "lobby", text: "yes" }]);
  });
});
