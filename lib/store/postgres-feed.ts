// The PostgreSQL store's feed: one connection of its own that LISTENs on the channels it
// is given (one per room this node follows, postgres.ts) and hands each notification's
// payload on. PostgreSQL sends a NOTIFY only when the transaction that made it commits,
// and delivers notifications in commit order, so the feed never tells of a change that
// did not happen and never misses one on a channel while it listens to it. When the
// connection is lost it reconnects by itself (at most a second apart, or at once when a
// room wants a channel listened to), LISTENs again to every channel and reports that
// changes may have been missed.
import pg from "pg";

const RETRY_MAX_MS = 1_000;
/** LISTENs sent in one query when a connection starts: thousands of rooms cost a few round trips. */
const LISTEN_BATCH = 500;
/** Names the connection in pg_stat_activity, unless DATABASE_URL or PGAPPNAME name it. */
const APPLICATION_NAME = "livechat-feed";

export interface FeedHandlers {
  notified(payload: string): void;
  /** Listening again after the connection was lost: notifications in between are gone. */
  resumed(): void;
  /** The connection was lost; the feed reconnects by itself. */
  lost(error: Error): void;
}

/** What the connection received, every channel's notifications counted (tests and bench/postgres-feed.ts read it). */
export interface FeedTraffic {
  notices: number;
  /** Their NotificationResponse messages as sent on the wire: header, sender, channel and payload. */
  bytes: number;
}

export class PostgresFeed {
  readonly received: FeedTraffic = { notices: 0, bytes: 0 };
  private client: pg.Client | undefined;
  /** The connection being made, if it is: callers that need one wait for it. */
  private connecting: Promise<pg.Client> | undefined;
  /** Channels to listen to: a new connection LISTENs to all of them. */
  private readonly channels = new Set<string>();
  /** Each channel's LISTEN on the current connection, acknowledged or on its way. */
  private readonly listening = new Map<string, Promise<void>>();
  /** Channels whose LISTEN the current connection acknowledged: listening again waits for nothing. */
  private readonly heard = new Set<string>();
  /** A connection was lost and none has replaced it yet. */
  private lost = false;
  private closed = false;
  private retries = 0;
  /** The last query asked of the connection; the next waits for it. */
  private queries: Promise<unknown> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly config: pg.ClientConfig,
    private readonly handlers: FeedHandlers,
  ) {}

  /** Resolves once connected; rejects when the first connection fails. */
  static async start(config: pg.ClientConfig, handlers: FeedHandlers): Promise<PostgresFeed> {
    const feed = new PostgresFeed(config, handlers);
    try {
      await feed.connected();
    } catch (error) {
      await feed.close();
      throw error;
    }
    return feed;
  }

  /**
   * Listens to the channel until unlisten; resolves once PostgreSQL acknowledged the
   * LISTEN, so every notification committed from then on arrives. Rejects when there is no
   * connection and a new one fails (the channel stays wanted: the next connection listens).
   * Undefined when the connection acknowledged it already: nothing to wait for.
   */
  listen(channel: string): Promise<void> | undefined {
    this.channels.add(channel);
    if (this.heard.has(channel)) return undefined;
    let listening = this.listening.get(channel);
    if (!listening) {
      const started = this.listenNow(channel);
      this.listening.set(channel, started);
      started.then(
        () => {
          if (this.listening.get(channel) === started) this.heard.add(channel);
        },
        () => {
          if (this.listening.get(channel) === started) this.listening.delete(channel);
        },
      );
      listening = started;
    }
    return listening;
  }

  unlisten(channel: string): void {
    if (!this.channels.delete(channel)) return;
    this.listening.delete(channel);
    this.heard.delete(channel);
    // Sent after any LISTEN asked before it (queries go one at a time, in order); a lost
    // connection forgets its LISTENs anyway.
    if (this.client) this.inTurn(this.client, `UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async listenNow(channel: string): Promise<void> {
    const client = await this.connected();
    // Unlistened meanwhile: nothing to do. (A connection made meanwhile may have listened
    // to it already; LISTEN again costs one round trip and changes nothing.)
    if (!this.channels.has(channel)) return;
    await this.inTurn(client, `LISTEN ${pg.escapeIdentifier(channel)}`);
  }

  /** Runs the query once those asked before it are done: node-postgres will no longer queue a client's queries itself (pg 9). */
  private inTurn(client: pg.Client, sql: string): Promise<void> {
    const done = this.queries.then(() => client.query(sql)).then(() => undefined);
    this.queries = done.catch(() => {});
    return done;
  }

  /** The connection, or the one being made; a failed attempt schedules the next one. */
  private connected(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.closed) return Promise.reject(new Error("the feed is closed"));
    if (!this.connecting) {
      clearTimeout(this.retryTimer);
      this.connecting = this.connect().catch((error: unknown) => {
        this.connecting = undefined;
        this.retry();
        throw error;
      });
    }
    return this.connecting;
  }

  /** Connects and listens to every channel wanted; rejects when either fails. */
  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ ...this.config, fallback_application_name: APPLICATION_NAME });
    // Before LISTEN: a notification may arrive in the same read as LISTEN's reply.
    client.on("notification", (message) => {
      const payload = message.payload ?? "";
      this.received.notices += 1;
      // Type byte, length, sender's pid, then channel and payload, each ending in a zero byte.
      this.received.bytes += 11 + Buffer.byteLength(message.channel) + Buffer.byteLength(payload);
      // A channel unlistened a moment ago may still bring a notification already sent.
      if (this.channels.has(message.channel)) this.handlers.notified(payload);
    });
    client.on("error", () => {}); // until listening, failures reject below
    const channels: string[] = [];
    try {
      await client.connect();
      channels.push(...this.channels);
      for (let i = 0; i < channels.length; i += LISTEN_BATCH) {
        const batch = channels.slice(i, i + LISTEN_BATCH);
        await client.query(batch.map((channel) => `LISTEN ${pg.escapeIdentifier(channel)}`).join("; "));
      }
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new Error("the feed is closed");
    }
    client.removeAllListeners("error");
    let failed = false;
    const onFailure = (error: Error) => {
      if (failed) return;
      failed = true;
      if (this.client === client) {
        this.client = undefined;
        this.listening.clear();
        this.heard.clear();
      }
      client.end().catch(() => {});
      if (this.closed) return;
      this.lost = true;
      this.handlers.lost(error);
      this.retry();
    };
    client.on("error", onFailure);
    client.on("end", () => onFailure(new Error("the connection to PostgreSQL ended")));
    // In the same turn as the connection is installed, so a failure reported later finds it.
    this.client = client;
    // A new connection's queries wait for nothing asked of the one it replaces.
    this.queries = Promise.resolve();
    // Channels unlistened while this connection listened to them: there was none to tell then.
    for (const channel of channels) {
      if (this.channels.has(channel)) this.heard.add(channel);
      else this.inTurn(client, `UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {});
    }
    this.connecting = undefined;
    this.retries = 0;
    if (this.lost) {
      this.lost = false;
      this.handlers.resumed();
    }
    return client;
  }

  private retry(): void {
    if (this.closed || this.connecting) return;
    clearTimeout(this.retryTimer);
    this.retries += 1;
    this.retryTimer = setTimeout(() => void this.connected().catch(() => {}), Math.min(100 * this.retries, RETRY_MAX_MS));
  }
}
