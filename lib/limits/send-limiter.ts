// How fast one client may send messages: MESSAGE_RATE a second, MESSAGE_BURST at
// once. A connection (Socket.IO) has an allowance of its own; clients without one
// (REST posts, gRPC Send) share one per client address, and addresses are bounded
// (least recently seen go first). One refusal, whatever the transport.
import { LRUCache } from "lru-cache";
import { RateLimitedError } from "../errors";
import { TokenBucket, type TokenBucketOptions } from "./token-bucket";

const MAX_ADDRESSES = 100_000;

/** One client's allowance: `take()` spends one send or throws rate_limited. */
export interface SendAllowance {
  take(): void;
}

export class SendLimiter {
  private readonly buckets = new LRUCache<string, TokenBucket>({ max: MAX_ADDRESSES });

  /** A rate of 0 turns the limit off. */
  constructor(private readonly options: TokenBucketOptions) {}

  /** A connection's own allowance, for as long as the connection lives. */
  forConnection(): SendAllowance {
    if (this.options.ratePerSecond <= 0) return UNLIMITED;
    return new ConnectionAllowance(new TokenBucket(this.options), this.options);
  }

  /** Spends one send of `address`, or throws rate_limited when it has none left. */
  take(address: string): void {
    if (this.options.ratePerSecond <= 0) return;
    let bucket = this.buckets.get(address);
    if (!bucket) {
      bucket = new TokenBucket(this.options);
      this.buckets.set(address, bucket);
    }
    spend(bucket, this.options);
  }
}

const UNLIMITED: SendAllowance = { take() {} };

// A class rather than a closure per connection: tens of thousands of idle sockets each hold one.
class ConnectionAllowance implements SendAllowance {
  constructor(
    private readonly bucket: TokenBucket,
    private readonly options: TokenBucketOptions,
  ) {}

  take(): void {
    spend(this.bucket, this.options);
  }
}

function spend(bucket: TokenBucket, { ratePerSecond, burst }: TokenBucketOptions): void {
  if (bucket.take()) return;
  throw new RateLimitedError(
    Math.max(1, Math.ceil(bucket.waitMs() / 1000)),
    `Too many messages: at most ${ratePerSecond} a second (${burst} at once). Wait a moment and send again.`,
  );
}
