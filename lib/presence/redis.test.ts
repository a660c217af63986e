// The shared presence against the presence contract, on a real redis-server started
// for this file (each node gets a fresh key prefix), and what only it does: people
// connected to several nodes, and the people of a node that stopped renewing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer, type RedisServer } from "../../server/redis-server";
import { createLogger } from "../logger";
import type { Identity } from "../protocol";
import { connectRedis } from "../store/redis-connection";
import { PushLog } from "../testing/fakes";
import { describePresence } from "./presence.contract";
import { SharedPresence, type SharedPresenceOptions } from "./redis";

let redis: RedisServer;
let dir: string;
let prefixes = 0;
const nodes: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "livechat-redis-presence-"));
  redis = await startRedisServer({ dir });
});
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((close) => close()));
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One node's shared presence, started. */
async function startPresence(prefix: string, node: string, options: Partial<SharedPresenceOptions> = {}) {
  const connection = await connectRedis(redis.url);
  const pushes = new PushLog();
  const presence = new SharedPresence({
    redis: connection,
    prefix,
    node,
    publish: pushes.publish,
    logger: createLogger({}, "silent"),
    ...options,
  });
  await presence.start();
  const close = async () => {
    await presence.close();
    await connection.quit();
  };
  return { presence, pushes, close };
}

/** A node for one test of this file: closed after it. */
async function startNode(prefix: string, node: string, options: Partial<SharedPresenceOptions> = {}) {
  const started = await startPresence(prefix, node, options);
  nodes.push(started.close);
  return started;
}

describePresence("SharedPresence", async () => {
  const { presence, close } = await startPresence(`presence-${process.pid}-${++prefixes}:`, "only");
  return { forRoom: (room) => presence.forRoom(room), close };
});

describe("SharedPresence across nodes", () => {
  const gage: Identity = { username: "gage", guest: false };

  it("announces a person with tabs on two nodes once, and lets them go with their last tab", async () => {
    const prefix = `two-nodes-${++prefixes}:`;
    const a = (await startNode(prefix, "a")).presence.forRoom("lobby");
    const b = (await startNode(prefix, "b")).presence.forRoom("lobby");
    expect(await a.join("a1", gage)).toEqual({ first: true, members: [gage] });
    expect(await b.join("b1", gage)).toEqual({ first: false, members: [gage] });
    expect((await a.leave("a1")).gone).toBeUndefined();
    expect(await b.leave("b1")).toEqual({ gone: gage, members: [] });
  });

  it("sees the people of a node that stops renewing leave, with notices", async () => {
    const prefix = `dead-node-${++prefixes}:`;
    // The silent node renews once, at start, and never again.
    const silent = await startNode(prefix, "silent", { ttlMs: 300, heartbeatMs: 3_600_000 });
    const watcher = await startNode(prefix, "watcher", { ttlMs: 300, heartbeatMs: 50 });
    await silent.presence.forRoom("lobby").join("s1", gage);
    await watcher.presence.forRoom("lobby").join("w1", { username: "kim", guest: true });

    await expect.poll(() => watcher.pushes.of("room:notice").map((n) => [n.kind, n.username]), { timeout: 5_000 }).toEqual([["leave", "gage"]]);
    expect(watcher.pushes.last("room:presence")).toEqual({ room: "lobby", members: [{ username: "kim", guest: true }] });
  });
});
