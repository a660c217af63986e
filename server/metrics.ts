// Prometheus metrics for GET /api/metrics: what the rooms report through their
// observer, what the node counts (connections, live rooms), the chat service's
// refusals over every transport, and Node's own figures (event-loop lag, heap, GC, CPU).
// Each server has its own registry, so several servers in one process (tests) never clash.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RoomObserver } from "../lib/rooms/observer";

export interface MetricsSources {
  /** This node's name, a label on every series so several nodes can be told apart. */
  node: string;
  /** Socket.IO connections open on this node, read at scrape time. */
  connections: () => number;
  /** Room workers live on this node, read at scrape time. */
  liveRooms: () => number;
  /** Password hashes (logins, registrations) waiting for a free hashing thread. */
  hashesWaiting: () => number;
  /** Socket.IO connections, SSE and gRPC Watch streams admitted on this node, read at scrape time. */
  admitted: () => number;
  /** How many of those this node admits at once (MAX_CONNECTIONS, or sized from the open-file limit). */
  connectionBudget: number;
}

/** Fan-out is sub-millisecond on an idle node and grows with room size and load. */
const FANOUT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class Metrics {
  readonly registry = new Registry();
  /**
   * Refusals answered `rate_limited`, and every refusal by operation and code: the chat
   * service reports them through its observer (server/delivery-stats.ts), whatever the transport.
   */
  readonly rateLimited: Counter;
  readonly refusals: Counter<"operation" | "code">;
  /** Connections cut off as slow consumers (their unsent output passed OUTBOUND_BUFFER_BYTES). */
  readonly slowConsumersCut: Counter;
  /** Connections cut off for collecting rate_limited answers faster than a page ever does. */
  readonly floodsCut: Counter;
  /** Requests whose client went away before its body arrived (counted, logged at debug only). */
  readonly requestsAborted: Counter;
  /** Hand this to the RegistryManager: it turns what the rooms report into series. */
  readonly roomObserver: RoomObserver;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: sources.node });
    collectDefaultMetrics({ register: this.registry });

    new Gauge({
      name: "livechat_connections",
      help: "Socket.IO connections open on this node.",
      registers,
      collect() {
        this.set(sources.connections());
      },
    });
    new Gauge({
      name: "livechat_live_rooms",
      help: "Room workers live on this node.",
      registers,
      collect() {
        this.set(sources.liveRooms());
      },
    });
    new Gauge({
      name: "livechat_long_lived_connections",
      help: "Socket.IO connections, SSE streams and gRPC Watch streams open on this node.",
      registers,
      collect() {
        this.set(sources.admitted());
      },
    });
    new Gauge({
      name: "livechat_connection_budget",
      help: "Long-lived connections this node admits at once (MAX_CONNECTIONS, or the open-file limit less a reserve).",
      registers,
    }).set(sources.connectionBudget);
    new Gauge({
      name: "livechat_password_hashes_waiting",
      help: "Logins and registrations waiting for a free password-hashing thread.",
      registers,
      collect() {
        this.set(sources.hashesWaiting());
      },
    });
    const stored = new Counter({
      name: "livechat_messages_stored_total",
      help: "Messages stored (acknowledged sends); a repeated clientId is not counted again.",
      registers,
    });
    const pushes = new Counter({
      name: "livechat_pushes_total",
      help: "room:messages broadcasts (one per room per tick at most, whatever the number of members).",
      registers,
    });
    const fanout = new Histogram({
      name: "livechat_fanout_seconds",
      help: "Per message: from being stored to the push carrying it being handed to every member's connection.",
      buckets: FANOUT_BUCKETS,
      registers,
    });
    const restarts = new Counter({
      name: "livechat_room_restarts_total",
      help: "Room workers that died and were restarted from the store by the supervisor.",
      registers,
    });
    this.rateLimited = new Counter({
      name: "livechat_rate_limited_total",
      help: "Requests and events refused with rate_limited.",
      registers,
    });
    this.refusals = new Counter({
      name: "livechat_refusals_total",
      help: "Operations refused with a contract error, by operation and error code, over every transport.",
      labelNames: ["operation", "code"],
      registers,
    });

    this.floodsCut = new Counter({
      name: "livechat_floods_cut_total",
      help: "Socket.IO connections cut off for going on asking after more rate_limited answers than a page ever gets.",
      registers,
    });

    this.requestsAborted = new Counter({
      name: "livechat_requests_aborted_total",
      help: "HTTP requests whose client closed the connection before its body arrived.",
      registers,
    });

    this.slowConsumersCut = new Counter({
      name: "livechat_slow_consumers_cut_total",
      help: "Connections cut off because their unsent output passed OUTBOUND_BUFFER_BYTES.",
      registers,
    });

    this.roomObserver = {
      messageStored: () => stored.inc(),
      messagesPushed: (_room, waitedMs) => {
        pushes.inc();
        for (const ms of waitedMs) fanout.observe(ms / 1000);
      },
      roomRestarted: () => restarts.inc(),
    };
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every series. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
