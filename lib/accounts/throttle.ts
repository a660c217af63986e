// A sliding-window counter per key (an IP address, an account): at most `limit`
// events in any `windowMs`. Keys are bounded (least recently seen go first), so a
// flood of distinct keys cannot grow memory without bound.
import { LRUCache } from "lru-cache";

export interface ThrottleRule {
  limit: number;
  windowMs: number;
}

const MAX_KEYS = 100_000;

export class Throttle {
  private readonly events: LRUCache<string, number[]>;

  constructor(private readonly rule: ThrottleRule) {
    this.events = new LRUCache({ max: MAX_KEYS, ttl: rule.windowMs, ttlAutopurge: false });
  }

  /** Milliseconds until `key` may act again; 0 when it may act now. */
  waitMs(key: string, now = Date.now()): number {
    const times = this.recent(key, now);
    if (times.length < this.rule.limit) return 0;
    return times[times.length - this.rule.limit]! + this.rule.windowMs - now;
  }

  record(key: string, now = Date.now()): void {
    const times = this.recent(key, now);
    times.push(now);
    // Only the newest `limit` events can decide a wait.
    this.events.set(key, times.slice(-this.rule.limit));
  }

  private recent(key: string, now: number): number[] {
    return (this.events.get(key) ?? []).filter((time) => time > now - this.rule.windowMs);
  }
}
