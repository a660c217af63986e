// One node's connections to Redis (ioredis): commands and a subscriber, with
// bounded waits: no offline queue and a command timeout, so a request made
// while Redis is unreachable fails at once with `room_unavailable` instead of
// hanging, and the clients reconnect by themselves when Redis returns.
// Redis is one server or a Redis Cluster (redis-cluster.ts); the callers hold a
// RedisClient and do not know which.
import { createHash } from "node:crypto";
import { Redis, type Cluster, type RedisOptions } from "ioredis";
import { ChatError } from "../errors";

/**
 * One Redis server or a Redis Cluster: both answer the same commands, and a command on
 * the cluster goes to the master of its keys' slot (keys one command or script uses
 * together share a hash tag, so they share a slot).
 */
export type RedisClient = Redis | Cluster;

const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

/** Raised for any Redis failure: a contract error, so a room worker survives it. */
class StoreUnavailable extends ChatError {
  constructor(readonly reason: unknown) {
    super("room_unavailable", "Livechat cannot reach its store (Redis) right now; please try again in a moment.");
    this.name = "StoreUnavailable";
  }
}

function redisOptions(overrides: Partial<RedisOptions> = {}): RedisOptions {
  return {
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    // Reconnect for ever, at most a second apart.
    retryStrategy: (times) => Math.min(100 * times, 1_000),
    lazyConnect: true,
    ...overrides,
  };
}

/** A Lua script run by its SHA, loaded again when Redis forgot it (a restart). */
export class Script {
  private readonly sha: string;

  constructor(
    private readonly source: string,
    private readonly keyCount: number,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: RedisClient, keys: string[], args: (string | number)[]): Promise<unknown> {
    if (keys.length !== this.keyCount) throw new Error(`script expects ${this.keyCount} keys, got ${keys.length}`);
    try {
      return await redis.evalsha(this.sha, this.keyCount, ...keys, ...args);
    } catch (error) {
      if (!String(error).includes("NOSCRIPT")) throw error;
      return redis.eval(this.source, this.keyCount, ...keys, ...args);
    }
  }
}

/** Connects a client and waits until it is ready; a clear error when Redis cannot be reached. */
export async function connectRedis(url: string, overrides: Partial<RedisOptions> = {}): Promise<Redis> {
  // The first connection gives up instead of retrying, so a wrong REDIS_URL fails start-up.
  const redis = new Redis(url, redisOptions({ ...overrides, retryStrategy: () => null }));
  redis.on("error", () => {}); // reported by connect() below
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Cannot reach Redis at ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  redis.removeAllListeners("error");
  redis.options.retryStrategy = redisOptions(overrides).retryStrategy;
  return redis;
}

/** REDIS_URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** Runs a Redis call; any failure becomes StoreUnavailable. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ChatError) throw error;
    throw new StoreUnavailable(error);
  }
}
