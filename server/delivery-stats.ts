// What delivery refused or cut off on this node: kept as plain counts (for
// tests and logs) and reported to the metrics registry as they happen.

export interface DeliveryCounters {
  rateLimited: { inc(): void };
  slowConsumersCut: { inc(): void };
  floodsCut: { inc(): void };
}

export class DeliveryStats {
  /** `message:send` events answered `rate_limited`. */
  rateLimited = 0;
  /** Connections cut off because their unsent output passed OUTBOUND_BUFFER_BYTES. */
  slowConsumersCut = 0;

  constructor(private readonly counters?: DeliveryCounters) {}

  countRateLimited(): void {
    this.rateLimited += 1;
    this.counters?.rateLimited.inc();
  }

  /** Connections cut off for collecting rate_limited answers faster than a page ever does. */
  floodsCut = 0;

  countFloodCut(): void {
    this.floodsCut += 1;
    this.counters?.floodsCut.inc();
  }

  countSlowConsumerCut(): void {
    this.slowConsumersCut += 1;
    this.counters?.slowConsumersCut.inc();
  }
}
