// What every server under test offers the bench, in-process or in its own process.
export type ServerKind = "b-ws" | "b-sio" | "livechat" | "bare-http";

/** "full": push the room's whole window on every change (the design); "new": only the new messages. */
export type PushMode = "full" | "new";

export interface BenchServerOptions {
  port: number;
  push: PushMode;
  /** Livechat only: serve the Next.js pages too (needs a `next build`). */
  pages?: boolean;
  /** Extra environment for Livechat's config (DATA_DIR, STORE, REDIS_URL...). */
  env?: Record<string, string>;
  /**
   * Livechat only: Engine.IO's ping interval instead of the product's 5 s, for figures
   * that are not about noticing a dead peer. A socket keeps the same timers either way.
   */
  pingIntervalMs?: number;
}

export interface BenchServer {
  port: number;
  close(): Promise<void>;
  /** Livechat only: destroys every connection's TCP socket at once but those of the people named; returns how many. */
  dropConnections?(keep: readonly string[]): number;
}
