// Long-lived connections and streams (Socket.IO connections, SSE streams, gRPC Watch
// streams) counted per client address and in all, so one address cannot take every
// file descriptor the process has (MAX_CONNECTIONS_PER_ADDRESS), and the node keeps
// headroom for health checks, logins and its own files (the descriptor budget).
// Counted per node: with several nodes, one address may hold the cap on each.
import { RateLimitedError } from "../errors";

export interface ConnectionLimits {
  /** Open at once from one address; 0 turns the per-address cap off. */
  perAddress: number;
  /** Open at once on this node, from anyone: the part of the descriptor budget connections may use. */
  total: number;
}

/** What a refused client is told to wait: connections free up as others close, not on a clock. */
export const CONNECTION_RETRY_AFTER_S = 5;

/** Frees one admitted connection; calling it again does nothing. */
export type Release = () => void;

export class ConnectionLimiter {
  // Only addresses with something open are kept, so the map is bounded by `total`.
  private readonly open = new Map<string, number>();
  private opened = 0;

  constructor(readonly limits: ConnectionLimits) {}

  /** Admits one connection from `address`, or throws rate_limited when it would pass a cap. */
  admit(address: string): Release {
    const mine = this.open.get(address) ?? 0;
    if (this.limits.perAddress > 0 && mine >= this.limits.perAddress) {
      throw new RateLimitedError(
        CONNECTION_RETRY_AFTER_S,
        `Too many connections from your address: at most ${this.limits.perAddress} at once. Close some and try again.`,
      );
    }
    if (this.opened >= this.limits.total) {
      throw new RateLimitedError(
        CONNECTION_RETRY_AFTER_S,
        "The server is at its connection limit; try again in a few seconds.",
      );
    }
    this.open.set(address, mine + 1);
    this.opened += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.opened -= 1;
      const left = (this.open.get(address) ?? 1) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    };
  }

  /** Connections open on this node. */
  get count(): number {
    return this.opened;
  }

  /** Connections open from one address. */
  countOf(address: string): number {
    return this.open.get(address) ?? 0;
  }
}
