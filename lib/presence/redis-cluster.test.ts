// The shared presence on a three-master Redis Cluster started for this file: the
// presence contract, and a dead node's people swept (its script reads keys it finds
// in a set, which a cluster allows only within one slot: the {presence} hash tag).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { startRedisCluster, type RedisClusterServer } from "../../server/testing/redis-cluster-server";
import { createLogger } from "../logger";
import { redisTopology } from "../store/redis-cluster";
import { PushLog } from "../testing/fakes";
import { describePresence } from "./presence.contract";
import { SharedPresence, type SharedPresenceOptions } from "./redis";

let cluster: RedisClusterServer;
let dir: string;
let prefixes = 0;
const nodes: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "livechat-presence-cluster-"));
  cluster = await startRedisCluster({ dir });
}, 30_000);
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((close) => close()));
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startPresence(prefix: string, node: string, options: Partial<SharedPresenceOptions> = {}, url = cluster.url) {
  const topology = await redisTopology(url);
  const connection = await topology.connect(`presence-${node}`);
  const pushes = new PushLog();
  const presence = new SharedPresence({ redis: connection, prefix, node, publish: pushes.publish, logger: createLogger({}, "silent"), ...options });
  await presence.start();
  const close = async () => {
    await presence.close();
    await connection.quit();
  };
  return { presence, pushes, close, cluster: topology.cluster };
}

describePresence("SharedPresence on a Redis Cluster", async () => {
  const { presence, close } = await startPresence(`presence-${process.pid}-${++prefixes}:`, "only");
  return { forRoom: (room) => presence.forRoom(room), close };
});

it("finds the cluster from one node's URL too, and sees the people of a node that stops renewing leave, with notices", async () => {
  const prefix = `dead-node-${++prefixes}:`;
  const silent = await startPresence(prefix, "silent", { ttlMs: 300, heartbeatMs: 3_600_000 });
  const watcher = await startPresence(prefix, "watcher", { ttlMs: 300, heartbeatMs: 50 }, cluster.masters[1]!.url);
  nodes.push(silent.close, watcher.close);
  expect(watcher.cluster).toBe(true);
  await silent.presence.forRoom("lobby").join("s1", { username: "gage", guest: false });
  await watcher.presence.forRoom("lobby").join("w1", { username: "kim", guest: true });

  await expect.poll(() => watcher.pushes.of("room:notice").map((n) => [n.kind, n.username]), { timeout: 5_000 }).toEqual([["leave", "gage"]]);
  expect(watcher.pushes.last("room:presence")).toEqual({ room: "lobby", members: [{ username: "kim", guest: true }] });
});
