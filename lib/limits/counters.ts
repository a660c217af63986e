// Where rate limits count (rate-limiter-flexible): in this process with one node, or in
// Redis when several nodes share one (REDIS_URL), so that a limit holds for the whole
// cluster: N nodes behind a balancer give nobody N times the attempts. Both limiters
// have one interface; the callers (lib/accounts/auth-throttle.ts, send-limiter.ts,
// join-limiter.ts) do not know which they have.
//
// Counts are fixed windows: the first event opens a window of `durationS` in which
// `points` are allowed; a refusal says how long until the window closes. On Redis a
// window is one key with an expiry (one atomic script per event), so a node killed
// mid-window leaves nothing behind that outlives it.
//
// When Redis fails (down, restarting, too slow) each node counts in its own memory
// until it is back (the "insurance" limiter): limits go on holding, per node, rather
// than refusing everyone or letting everything through.
import type { RedisClient } from "../store/redis-connection";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

export interface WindowRule {
  /** Events allowed in one window. */
  points: number;
  /** The window's length in whole seconds (Redis expires keys by the second), at least 1. */
  durationS: number;
  /**
   * Once a key is past its points, refuse it from memory until its window closes,
   * without asking Redis again: a flood costs one round trip, not one per event.
   */
  floodGuard?: boolean;
}

export interface SharedCounters {
  /**
   * The ioredis client commands go through (the node's own command connection), one
   * server or a Redis Cluster: each count is one key, so any slot will do.
   */
  redis: RedisClient;
  /** Prefix of every key (the node's Redis prefix). */
  prefix: string;
}

/** Makes the limiters of one node: counted in memory, or in Redis when `shared` is given. */
export class LimitCounters {
  constructor(private readonly shared?: SharedCounters) {}

  /** True when counts are shared through Redis. */
  get clusterWide(): boolean {
    return this.shared !== undefined;
  }

  /** A limiter named `name` (its keys' prefix: give each limit its own). */
  limiter(name: string, rule: WindowRule): RateLimiterAbstract {
    const options = { points: rule.points, duration: Math.max(1, Math.ceil(rule.durationS)) };
    const memory = new RateLimiterMemory({ ...options, keyPrefix: name });
    if (!this.shared) return memory;
    return new RateLimiterRedis({
      ...options,
      storeClient: this.shared.redis,
      keyPrefix: `${this.shared.prefix}limit:${name}`,
      // ioredis without an offline queue: fail over to memory at once rather than wait.
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
      ...(rule.floodGuard ? { inMemoryBlockOnConsumed: rule.points + 1 } : {}),
    });
  }
}

/**
 * The window rule for a token-bucket allowance (RATE a second, BURST at once): BURST
 * events in a window of BURST / RATE seconds (at least one second, then as many as the
 * rate gives), so the sustained rate is the same; at a window's edge, up to twice the burst.
 */
export function windowOfBucket({ ratePerSecond, burst }: { ratePerSecond: number; burst: number }, floodGuard = true): WindowRule {
  const durationS = Math.max(1, Math.ceil(burst / ratePerSecond));
  return { points: Math.max(burst, Math.floor(ratePerSecond * durationS)), durationS, floodGuard };
}

/**
 * Spends one point of `key`: the refusal (a RateLimiterRes) as milliseconds to wait, or 0
 * when allowed. Anything else thrown (Redis and memory both failing) is a bug and goes up.
 */
export async function spend(limiter: RateLimiterAbstract, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return Math.max(1, refusal.msBeforeNext);
    throw refusal;
  }
}
