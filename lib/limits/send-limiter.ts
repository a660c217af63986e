// The send rate for clients without a connection of their own (REST posts, gRPC
// Send): one token bucket per client address, at the per-connection MESSAGE_RATE
// and MESSAGE_BURST. Addresses are bounded (least recently seen go first).
import { LRUCache } from "lru-cache";
import { RateLimitedError } from "../errors";
import { TokenBucket, type TokenBucketOptions } from "./token-bucket";

const MAX_ADDRESSES = 100_000;

export class SendLimiter {
  private readonly buckets = new LRUCache<string, TokenBucket>({ max: MAX_ADDRESSES });

  /** A rate of 0 turns the limit off, as MESSAGE_RATE=0 does for sockets. */
  constructor(private readonly options: TokenBucketOptions) {}

  /** Spends one send of `address`, or throws rate_limited when it has none left. */
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
      `Too many messages: at most ${ratePerSecond} a second (${burst} at once) from one address. Wait a moment and send again.`,
    );
  }
}
