// What this node refused or cut off: kept as plain counts (for tests and logs) and
// reported to the metrics registry as they happen. It is the chat service's
// observer, so a refusal is counted once, whichever transport it came by.
import type { ChatObserver, ChatOperation } from "../lib/chat/service";
import type { ErrorCode } from "../lib/protocol";

export interface DeliveryCounters {
  rateLimited: { inc(): void };
  refusals: { inc(labels: { operation: ChatOperation; code: ErrorCode }): void };
  slowConsumersCut: { inc(): void };
  floodsCut: { inc(): void };
}

export class DeliveryStats implements ChatObserver {
  /** Operations answered `rate_limited` (sends, joins past the room cap, throttled logins), by any transport. */
  rateLimited = 0;
  /** Connections cut off because their unsent output passed OUTBOUND_BUFFER_BYTES. */
  slowConsumersCut = 0;

  constructor(private readonly counters?: DeliveryCounters) {}

  refused(operation: ChatOperation, code: ErrorCode): void {
    this.counters?.refusals.inc({ operation, code });
    if (code !== "rate_limited") return;
    this.rateLimited += 1;
    this.counters?.rateLimited.inc();
  }

  /** Connections cut off for joining on past their JOIN_RATE refusals. */
  floodsCut = 0;

  floodCut(): void {
    this.floodsCut += 1;
    this.counters?.floodsCut.inc();
  }

  countSlowConsumerCut(): void {
    this.slowConsumersCut += 1;
    this.counters?.slowConsumersCut.inc();
  }
}
