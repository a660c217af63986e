// A count of events per key (an IP address, an account): at most `limit` in a window
// of `windowMs`, opened by the key's first event. Counted where every node counts it
// (lib/limits/counters.ts: in this process, or in Redis when nodes share one), so
// several nodes throttle a key as one would.
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { LimitCounters, spend } from "../limits/counters";

export interface ThrottleRule {
  limit: number;
  /** Counted in whole seconds. */
  windowMs: number;
}

export class Throttle {
  private readonly limiter: RateLimiterAbstract;

  /** `name` keeps this throttle's keys apart from every other limit's. */
  constructor(
    private readonly rule: ThrottleRule,
    name = "throttle",
    counters = new LimitCounters(),
  ) {
    this.limiter = counters.limiter(name, { points: rule.limit, durationS: rule.windowMs / 1000 });
  }

  /** Milliseconds until `key` may act again; 0 when it may act now. */
  async waitMs(key: string): Promise<number> {
    const counted = await this.limiter.get(key);
    // A window past its end (its key not yet swept) is over.
    if (!counted || counted.consumedPoints < this.rule.limit || counted.msBeforeNext <= 0) return 0;
    return counted.msBeforeNext;
  }

  /** Counts one event of `key` if it is allowed, in one step on every node: milliseconds to wait when it is not, else 0. */
  attempt(key: string): Promise<number> {
    return spend(this.limiter, key);
  }

  /** Counts one event of `key`, whether or not it was allowed. */
  async record(key: string): Promise<void> {
    await this.limiter.penalty(key, 1);
  }
}
