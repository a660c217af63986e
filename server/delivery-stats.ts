// Counters of what delivery refused or cut off, kept per server for the metrics
// endpoint to export (monotonic, like Prometheus counters).

export class DeliveryStats {
  /** `message:send` events answered `rate_limited`. */
  rateLimited = 0;
  /** Connections cut off because their unsent output passed OUTBOUND_BUFFER_BYTES. */
  slowConsumersCut = 0;
}
