// Test and bench support: Livechat nodes sharing a redis-server of their own (for what
// flows between them; their store is given by the caller, fresh-postgres.ts), started
// in a fresh folder and gone with it, so that no run sees another's keys.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startRedisServer, type RedisServer } from "../redis-server";

/** What a node needs to share the Redis: merge it into the node's environment. */
export interface RedisEnv {
  REDIS_URL: string;
}

export interface NodesOnRedis<N> {
  redis: RedisServer;
  nodes: N[];
  /** Closes the nodes, then stops Redis and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts a redis-server in a fresh folder, then `count` nodes one after another
 * with `start` (in this process or another: anything that closes). A node that
 * fails to start stops what was started before the error is thrown.
 */
export async function startNodesOnFreshRedis<N extends { close(): Promise<void> }>(
  start: (redisEnv: RedisEnv, index: number) => Promise<N>,
  count = 2,
): Promise<NodesOnRedis<N>> {
  const dir = mkdtempSync(path.join(tmpdir(), "livechat-redis-"));
  const redis = await startRedisServer({ dir });
  const nodes: N[] = [];
  const stop = async () => {
    for (const node of nodes) await node.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < count; index++) nodes.push(await start({ REDIS_URL: redis.url }, index));
  } catch (error) {
    await stop();
    throw error;
  }
  return { redis, nodes, stop };
}
