// Test and bench support: Livechat nodes on STORE=postgres, sharing a PostgreSQL
// and a redis-server of their own, each started in a fresh folder and gone with
// it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startPostgresServer, type PostgresServer } from "../postgres-server";
import { startNodesOnFreshRedis, type NodesOnRedis } from "./fresh-redis";

/** What a node needs to share the database and Redis: merge it into the node's environment. */
export interface PostgresEnv {
  STORE: "postgres";
  DATABASE_URL: string;
  REDIS_URL: string;
}

export interface NodesOnPostgres<N> extends NodesOnRedis<N> {
  postgres: PostgresServer;
}

export interface FreshPostgresOptions {
  /** Nodes to start (default 2). */
  count?: number;
  /** Commits fsynced, as in production (benches); off by default (tests: much faster on a busy disk). */
  fsync?: boolean;
}

/**
 * Starts a PostgreSQL and a redis-server, each in a fresh folder, then `count` nodes one
 * after another with `start`. Stopping closes the nodes, then both servers, and removes
 * their folders.
 */
export async function startNodesOnFreshPostgres<N extends { close(): Promise<void> }>(
  start: (postgresEnv: PostgresEnv, index: number) => Promise<N>,
  { count = 2, fsync = false }: FreshPostgresOptions = {},
): Promise<NodesOnPostgres<N>> {
  // A folder of its own: PostgreSQL runs as another user when the tests run as root.
  const dir = mkdtempSync(path.join(tmpdir(), "livechat-postgres-"));
  const postgres = await startPostgresServer({ dir, fsync });
  const stopPostgres = async () => {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const databaseUrl = await postgres.createDatabase("livechat");
    const onRedis = await startNodesOnFreshRedis(
      (redisEnv, index) => start({ STORE: "postgres", DATABASE_URL: databaseUrl, REDIS_URL: redisEnv.REDIS_URL }, index),
      count,
    );
    return {
      ...onRedis,
      postgres,
      stop: async () => {
        await onRedis.stop();
        await stopPostgres();
      },
    };
  } catch (error) {
    await stopPostgres();
    throw error;
  }
}
