// A token bucket: `burst` tokens to start with, refilled at `ratePerSecond`.
// Each take() spends one token or is refused; nothing is queued.

export interface TokenBucketOptions {
  ratePerSecond: number;
  burst: number;
}

const monotonicNow = () => performance.now();

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly options: TokenBucketOptions,
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = options.burst;
    this.refilledAt = now();
  }

  take(): boolean {
    const at = this.now();
    const { ratePerSecond, burst } = this.options;
    this.tokens = Math.min(burst, this.tokens + ((at - this.refilledAt) / 1000) * ratePerSecond);
    this.refilledAt = at;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next take() will succeed (0 when it would now). */
  waitMs(): number {
    const missing = 1 - (this.tokens + ((this.now() - this.refilledAt) / 1000) * this.options.ratePerSecond);
    return missing <= 0 ? 0 : Math.ceil((missing / this.options.ratePerSecond) * 1000);
  }
}
