// How fast one client may send messages: MESSAGE_RATE a second, MESSAGE_BURST at
// once. A connection (Socket.IO) has an allowance of its own, a token bucket in the
// node that holds the connection (a connection lives on one node, so there is
// nothing to share). Clients without one (REST posts, gRPC Send) share one per
// client address, counted where every node counts it (counters.ts: in Redis when
// nodes share one), so a balancer spreading posts over N nodes gives no address N
// times the rate. One refusal, whatever the transport.
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { RateLimitedError } from "../errors";
import { LimitCounters, spend, windowOfBucket } from "./counters";
import { TokenBucket, type TokenBucketOptions } from "./token-bucket";

/** One connection's allowance: `take()` spends one send or throws rate_limited. */
export interface SendAllowance {
  take(): void;
}

export class SendLimiter {
  private readonly perAddress: RateLimiterAbstract | undefined;

  /** A rate of 0 turns the limit off. */
  constructor(
    private readonly options: TokenBucketOptions,
    counters = new LimitCounters(),
  ) {
    if (options.ratePerSecond > 0) this.perAddress = counters.limiter("send", windowOfBucket(options));
  }

  /** A connection's own allowance, for as long as the connection lives. */
  forConnection(): SendAllowance {
    if (this.options.ratePerSecond <= 0) return UNLIMITED;
    return new ConnectionAllowance(new TokenBucket(this.options), this.options);
  }

  /** Spends one send of `address`, or throws rate_limited when it has none left. */
  async take(address: string): Promise<void> {
    if (!this.perAddress) return;
    const waitMs = await spend(this.perAddress, address);
    if (waitMs > 0) throw refusal(waitMs, this.options);
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
    if (!this.bucket.take()) throw refusal(this.bucket.waitMs(), this.options);
  }
}

function refusal(waitMs: number, { ratePerSecond, burst }: TokenBucketOptions): RateLimitedError {
  return new RateLimitedError(
    Math.max(1, Math.ceil(waitMs / 1000)),
    `Too many messages: at most ${ratePerSecond} a second (${burst} at once). Wait a moment and send again.`,
  );
}
