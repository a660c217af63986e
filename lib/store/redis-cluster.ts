// REDIS_URL names one Redis server, or a Redis Cluster: several of its nodes separated
// by commas, or one node of it (a node in cluster mode says so, asked once at start-up).
// On a cluster every connection is an ioredis Cluster, which sends each command to the
// master of its keys' slot and follows the slots when they move; its subscribers hold
// one connection per master (sharded pub/sub: a channel lives on its slot's master).
import { Cluster, type RedisOptions } from "ioredis";
import { connectRedis, redactUrl, type RedisClient } from "./redis-connection";

const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

/** The URLs REDIS_URL lists (one, or several separated by commas). */
export function redisUrls(value: string): string[] {
  return value
    .split(",")
    .map((url) => url.trim())
    .filter(Boolean);
}

/** REDIS_URL without passwords, for messages and logs. */
export function redactUrls(value: string): string {
  return redisUrls(value).map(redactUrl).join(",");
}

export interface RedisTopology {
  cluster: boolean;
  /**
   * Connects one client named `connectionName`; `subscriber`: it will SSUBSCRIBE (on a
   * cluster, to the channels of every master).
   */
  connect(connectionName: string, subscriber?: boolean): Promise<RedisClient>;
}

/** Finds whether REDIS_URL is one server or a cluster; rejects when it cannot be reached. */
export async function redisTopology(value: string): Promise<RedisTopology> {
  const urls = redisUrls(value);
  let cluster = urls.length > 1;
  if (!cluster) {
    const probe = await connectRedis(urls[0]!, { connectionName: "livechat-probe" });
    try {
      cluster = /^cluster_enabled:1\b/m.test(await probe.info("cluster"));
    } finally {
      probe.disconnect();
    }
  }
  return {
    cluster,
    connect: (connectionName, subscriber = false) =>
      cluster ? connectCluster(urls, connectionName, subscriber) : connectRedis(urls[0]!, { connectionName }),
  };
}

/** Connects to the cluster through any of `urls` and waits until it knows every slot's master. */
async function connectCluster(urls: string[], connectionName: string, subscriber: boolean): Promise<Cluster> {
  const nodes = urls.map((url) => {
    const parsed = new URL(url);
    return { host: parsed.hostname, port: Number(parsed.port || 6379) };
  });
  // Every node of a cluster shares the first URL's credentials and TLS.
  const first = new URL(urls[0]!);
  const nodeOptions: RedisOptions = {
    connectionName,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
    ...(first.protocol === "rediss:" ? { tls: {} } : {}),
  };
  const cluster = new Cluster(nodes, {
    enableOfflineQueue: false,
    lazyConnect: true,
    shardedSubscribers: subscriber,
    // The first connection gives up instead of retrying, so a wrong REDIS_URL fails start-up.
    clusterRetryStrategy: () => null,
    redisOptions: nodeOptions,
  });
  cluster.on("error", () => {}); // reported by connect() below
  try {
    await cluster.connect();
  } catch (error) {
    cluster.disconnect();
    throw new Error(
      `Cannot reach the Redis Cluster at ${urls.map(redactUrl).join(",")}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  cluster.removeAllListeners("error");
  // Reconnect for ever, at most a second apart.
  cluster.options.clusterRetryStrategy = (times) => Math.min(100 * times, 1_000);
  return cluster;
}
