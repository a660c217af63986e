// Room joins per client address (JOIN_RATE, JOIN_BURST), across all its connections
// and, when nodes share a Redis, across all nodes (counters.ts), so a flood of joins
// from one address is refused before any room worker starts or any store read
// happens. A page joins once per connect, so the allowance only bites on floods; once
// an address is refused, its next joins are refused from memory until its window
// closes, without asking Redis.
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { RateLimitedError } from "../errors";
import { LimitCounters, spend, windowOfBucket } from "./counters";
import type { TokenBucketOptions } from "./token-bucket";

export class JoinLimiter {
  private readonly perAddress: RateLimiterAbstract | undefined;

  /** A rate of 0 turns the limit off. */
  constructor(
    private readonly options: TokenBucketOptions,
    counters = new LimitCounters(),
  ) {
    if (options.ratePerSecond > 0) this.perAddress = counters.limiter("join", windowOfBucket(options));
  }

  /** Spends one join of `address`, or throws rate_limited when it has none left. */
  async take(address: string): Promise<void> {
    if (!this.perAddress) return;
    const waitMs = await spend(this.perAddress, address);
    if (waitMs === 0) return;
    const { ratePerSecond, burst } = this.options;
    throw new RateLimitedError(
      Math.max(1, Math.ceil(waitMs / 1000)),
      `Too many rooms joined: at most ${ratePerSecond} a second (${burst} at once) from one address. Wait a moment and join again.`,
    );
  }
}
