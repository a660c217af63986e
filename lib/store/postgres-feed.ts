// The PostgreSQL store's feed: one connection of its own that LISTENs on a channel
// and hands each notification's payload on. PostgreSQL sends a NOTIFY only when the
// transaction that made it commits, and delivers notifications in commit order, so
// the feed never tells of a change that did not happen and never misses one while
// connected. When the connection is lost it reconnects by itself (at most a second
// apart) and, once listening again, reports that changes may have been missed.
import pg from "pg";

const RETRY_MAX_MS = 1_000;

export interface FeedHandlers {
  notified(payload: string): void;
  /** Listening again after the connection was lost: notifications in between are gone. */
  resumed(): void;
  /** The connection was lost; the feed reconnects by itself. */
  lost(error: Error): void;
}

export class PostgresFeed {
  private client: pg.Client | undefined;
  private closed = false;
  private retries = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly handlers: FeedHandlers,
  ) {}

  /** Resolves once the channel is listened to; rejects when the first connection fails. */
  static async start(config: pg.ClientConfig, channel: string, handlers: FeedHandlers): Promise<PostgresFeed> {
    const feed = new PostgresFeed(config, channel, handlers);
    await feed.listen();
    return feed;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  /** Connects and listens; rejects when either fails. */
  private async listen(): Promise<void> {
    const client = new pg.Client(this.config);
    // Before LISTEN: a notification may arrive in the same read as LISTEN's reply.
    client.on("notification", (message) => {
      if (message.channel === this.channel) this.handlers.notified(message.payload ?? "");
    });
    client.on("error", () => {}); // until listening, failures reject below
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed) return void (await client.end().catch(() => {}));
    client.removeAllListeners("error");
    let failed = false;
    const onFailure = (error: Error) => {
      if (failed) return;
      failed = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
      if (this.closed) return;
      this.handlers.lost(error);
      this.reconnect();
    };
    client.on("error", onFailure);
    client.on("end", () => onFailure(new Error("the connection to PostgreSQL ended")));
    this.client = client;
  }

  private reconnect(): void {
    this.retries += 1;
    this.retryTimer = setTimeout(() => {
      this.listen().then(
        () => {
          this.retries = 0;
          if (!this.closed) this.handlers.resumed();
        },
        () => {
          if (!this.closed) this.reconnect();
        },
      );
    }, Math.min(100 * this.retries, RETRY_MAX_MS));
  }
}
