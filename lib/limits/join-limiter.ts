// Room joins per client address (JOIN_RATE, JOIN_BURST), across all its connections
// and, when nodes share a Redis, across all nodes (counters.ts), so a flood of joins
// from one address is refused before any room worker starts or any store read
// happens. A page joins once per connect, so the allowance only bites on floods; once
// an address is refused, its next joins are refused from memory until its window
// closes, at once (`refusal`): no counter, no Redis, not even a promise, so a flood's
// packets that arrive in one read are refused while they are read.
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { RateLimitedError } from "../errors";
import { LimitCounters, spend, windowOfBucket } from "./counters";
import type { TokenBucketOptions } from "./token-bucket";

/** Refused addresses kept before the closed windows among them are looked for. */
const PRUNE_AT = 1024;

export class JoinLimiter {
  private readonly perAddress: RateLimiterAbstract | undefined;
  /** Addresses refused, and when their window closes (performance.now()). */
  private readonly refusedUntil = new Map<string, number>();

  /** A rate of 0 turns the limit off. */
  constructor(
    private readonly options: TokenBucketOptions,
    counters = new LimitCounters(),
  ) {
    if (options.ratePerSecond > 0) this.perAddress = counters.limiter("join", windowOfBucket(options));
  }

  /** The refusal of an address already refused whose window is still open, else undefined. */
  refusal(address: string): RateLimitedError | undefined {
    const until = this.refusedUntil.get(address);
    if (until === undefined) return undefined;
    const waitMs = until - performance.now();
    if (waitMs > 0) return this.refused(waitMs);
    this.refusedUntil.delete(address);
    return undefined;
  }

  /** Spends one join of `address`, or throws rate_limited when it has none left. */
  async take(address: string): Promise<void> {
    if (!this.perAddress) return;
    const waitMs = await spend(this.perAddress, address);
    if (waitMs === 0) return;
    // Only a refused address is kept, and only until its window closes: the map holds the
    // addresses refused within one window, never more.
    if (this.refusedUntil.size >= PRUNE_AT) this.forgetClosed();
    this.refusedUntil.set(address, performance.now() + waitMs);
    throw this.refused(waitMs);
  }

  private forgetClosed(): void {
    const now = performance.now();
    for (const [address, until] of this.refusedUntil) if (until <= now) this.refusedUntil.delete(address);
  }

  private refused(waitMs: number): RateLimitedError {
    const { ratePerSecond, burst } = this.options;
    return new RateLimitedError(
      Math.max(1, Math.ceil(waitMs / 1000)),
      `Too many rooms joined: at most ${ratePerSecond} a second (${burst} at once) from one address. Wait a moment and join again.`,
    );
  }
}
