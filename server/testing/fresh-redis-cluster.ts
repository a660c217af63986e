// Test and bench support: Livechat nodes on a fresh PostgreSQL and a fresh three-master
// Redis Cluster (redis-cluster-server.ts), each in a folder of its own, gone with it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startPostgresServer, type PostgresServer } from "../postgres-server";
import { startRedisCluster, type RedisClusterServer } from "./redis-cluster-server";
import type { PostgresEnv } from "./fresh-postgres";

export interface NodesOnRedisCluster<N> {
  postgres: PostgresServer;
  redisCluster: RedisClusterServer;
  nodes: N[];
  /** Closes the nodes, then stops the servers and removes their folders. */
  stop(): Promise<void>;
}

/** Starts PostgreSQL and a Redis Cluster, then `count` nodes one after another with `start`. */
export async function startNodesOnRedisCluster<N extends { close(): Promise<void> }>(
  start: (env: PostgresEnv, index: number) => Promise<N>,
  count = 2,
): Promise<NodesOnRedisCluster<N>> {
  // Folders of their own: PostgreSQL runs as another user, who must reach its folder.
  const dirs = ["livechat-postgres-", "livechat-redis-cluster-"].map((name) => mkdtempSync(path.join(tmpdir(), name)));
  const nodes: N[] = [];
  let postgres: PostgresServer | undefined;
  let redisCluster: RedisClusterServer | undefined;
  const stop = async () => {
    for (const node of nodes) await node.close();
    await redisCluster?.stop();
    await postgres?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    postgres = await startPostgresServer({ dir: dirs[0]!, fsync: false });
    redisCluster = await startRedisCluster({ dir: dirs[1]! });
    const env: PostgresEnv = { STORE: "postgres", DATABASE_URL: await postgres.createDatabase("livechat"), REDIS_URL: redisCluster.url };
    for (let index = 0; index < count; index++) nodes.push(await start(env, index));
  } catch (error) {
    await stop();
    throw error;
  }
  return { postgres, redisCluster, nodes, stop };
}
