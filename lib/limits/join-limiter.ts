// Room joins per client address (JOIN_RATE, JOIN_BURST): one token bucket per
// address across all its connections, so a flood of joins from one address is
// refused before any room worker starts or any store read happens. A page joins
// once per connect, so the allowance only bites on floods. Addresses are bounded
// (least recently seen go first).
import { LRUCache } from "lru-cache";
import { RateLimitedError } from "../errors";
import { TokenBucket, type TokenBucketOptions } from "./token-bucket";

const MAX_ADDRESSES = 100_000;

export class JoinLimiter {
  private readonly buckets = new LRUCache<string, TokenBucket>({ max: MAX_ADDRESSES });

  /** A rate of 0 turns the limit off. */
  constructor(private readonly options: TokenBucketOptions) {}

  /** Spends one join of `address`, or throws rate_limited when it has none left. */
  take(address: string): void {
    if (this.options.ratePerSecond <= 0) return;
    let bucket = this.buckets.get(address);
    if (!bucket) {
      bucket = new TokenBucket(this.options);
      this.buckets.set(address, bucket);
    }
    if (bucket.take()) return;
    const { ratePerSecond, burst } = this.options;
    throw new RateLimitedError(
      Math.max(1, Math.ceil(bucket.waitMs() / 1000)),
      `Too many rooms joined: at most ${ratePerSecond} a second (${burst} at once) from one address. Wait a moment and join again.`,
    );
  }
}
