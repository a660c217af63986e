// The PostgreSQL store (STORE=postgres), shared by every node: users, rooms and
// their messages live in PostgreSQL (node-postgres with a pool); the schema is
// brought up to date at start-up (postgres-migrations.ts).
//
// A room's seq is assigned in the database: an append raises the room's
// next_seq (which locks its row until the commit) and inserts the messages with
// the seqs it reserved, in one transaction. Appends to one room therefore run
// one after the other whatever node makes them, and a rolled-back append gives
// its seqs back: one gap-free order. (A SEQUENCE would not: nextval is never rolled back. An advisory lock
// with max(seq) + 1 would work too, but needs the lock and the row both.)
// Each node sends its appends to one room as batches, one transaction each,
// so a busy room costs one commit per batch rather than one per message.
//
// Every change is also announced with NOTIFY inside its transaction
// (postgres-feed.ts): the other nodes hear each room's messages in seq order,
// and only once they are committed. Each room has a channel of its own
// (feedChannel), and a node listens only to the rooms it follows (follow), so
// its feed grows with its own rooms rather than with the whole cluster's writes.
//
// Search is PostgreSQL's full-text search (a tsvector column with a GIN index), with
// the meaning search-text.ts gives it for every store: postgres-search.ts.
import { createHash, randomUUID } from "node:crypto";
import pg from "pg";
import { ChatError } from "../errors";
import type { Message, NotifyLevel } from "../protocol";
import { PostgresFeed, type FeedTraffic } from "./postgres-feed";
import { migrate } from "./postgres-migrations";
import { PostgresSearch, searchValue, searchVector } from "./postgres-search";
import type {
  AppendResult,
  AuditEntry,
  MessageDraft,
  PersonRoom,
  RoomActivity,
  RoomEntry,
  RoomList,
  RoomSearch,
  RoomSettingsRecord,
  RoomsSearch,
  Store,
  StoreListener,
  UserRecord,
} from "./store";
import { applyChange, noSuchMessage, wireReactions } from "./message-change";
import { AUDIT_MAX, wireMessage, type KeptMessage, type KeptReaction, type MessageChange } from "./store";

/** NOTIFY's payload must stay under 8000 bytes; a longer message is announced by room and seq only. */
const NOTIFY_MAX_BYTES = 7_900;
/** At most this many appends to one room go in one statement. */
const MAX_BATCH = 200;
const POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 5_000;
/** PostgreSQL cancels a statement running longer (a room lock held too long, say); the session stays usable. */
const STATEMENT_TIMEOUT_MS = 10_000;
/** The last resort when the server does not answer at all. */
const QUERY_TIMEOUT_MS = 15_000;
/**
 * A node that stalls inside a transaction (paused, or cut off from the database) holds its
 * room's row lock, and every other node's appends to that room wait. PostgreSQL ends such
 * a session after this long, which frees the lock; the stalled append was never
 * acknowledged, and its retry (same clientId) is stored once.
 */
const IDLE_IN_TRANSACTION_MS = 5_000;
/** TCP keepalive, so a connection to a vanished server is noticed (the feed's sends nothing). */
const KEEPALIVE_DELAY_MS = 10_000;
/**
 * Room channels are this prefix (the single channel every notice used to share) and a
 * hash of the room's name: a channel name is an identifier of at most 63 bytes, a room's
 * name any Unicode up to its own limit. 96 bits of SHA-256 in base64url make 30 bytes
 * (every notification carries its channel's name: 17 more than the shared channel's). Two rooms
 * sharing a channel would only cost their listeners a notice to skip: every notice names
 * its room, and dispatch drops those of rooms not followed. Every notice concerns one
 * room (messages, changes, settings and lists, deletion), so no channel is shared.
 */
const FEED_PREFIX = "livechat_feed_";

/** The NOTIFY channel of the room's feed. */
export function feedChannel(room: string): string {
  // Case and "-" survive: the channel is quoted in LISTEN and passed to pg_notify as text.
  return FEED_PREFIX + createHash("sha256").update(room).digest("base64url").slice(0, 16);
}

/** Raised for any database failure: a contract error, so a room worker survives it. */
class StoreUnavailable extends ChatError {
  constructor(readonly reason: unknown) {
    super("room_unavailable", "Livechat cannot reach its store (PostgreSQL) right now; please try again in a moment.");
    this.name = "StoreUnavailable";
  }
}

/**
 * A feed notice is "<kind> <seq> <origin> <body>": "m" with the message's JSON without
 * its seq (so the database can put the seq in front), "r" with the room's name as JSON
 * for a message too long for NOTIFY (read it), "d" with the room's name for a deletion,
 * "c" with the room's name when its settings or lists changed (seq 0 for both);
 * "u" with a changed message's JSON (updateMessage), "w" with the room's name for a
 * changed message too long for NOTIFY (read it). Every notice names its room, so a
 * node can drop one on a channel it shares with a room it does not follow.
 * The origin names the store that made the change: a node skips its own notices
 * unparsed (its rooms have the change already).
 */
type NoticeKind = "m" | "r" | "d" | "c" | "u" | "w";
/** A new message before its seq is known, with its author's key (which only the database keeps). */
type UnnumberedMessage = Omit<KeptMessage, "seq">;
/**
 * The room's row, created when missing, as a CTE ($1 is the room's name). DO UPDATE (a
 * no-op) rather than DO NOTHING so that it always returns the row, even one another
 * node is creating at the same moment.
 */
const ROOM_ROW = "INSERT INTO rooms (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET next_seq = rooms.next_seq RETURNING id";

/** The unique index of clientIds per room: its refusal sends a batch from the fast path to the careful one. */
const CLIENT_ID_INDEX = "messages_client_id";

interface MessageRow {
  seq: string;
  id: string;
  username: string;
  guest: boolean;
  content: string;
  sent_at: Date;
  client_id: string | null;
  tag: string | null;
  edited_at: Date | null;
  deleted: boolean;
  reply_to: string | null;
  reactions: KeptReaction[] | null;
  pinned: boolean;
}

/** The columns of a MessageRow, as recent and before read them: search reads the same. */
const MESSAGE_COLUMNS =
  "m.seq, m.id, m.username, m.guest, m.content, m.sent_at, m.client_id, m.tag, m.edited_at, m.deleted, m.reply_to, m.reactions, m.pinned";

/** A room's writes wait in one queue per room, so they reach the database in the order they were made. */
type PendingWrite =
  | { kind: "append"; draft: MessageDraft; resolve: (result: AppendResult) => void; reject: (error: unknown) => void }
  | { kind: "delete"; resolve: () => void; reject: (error: unknown) => void };

export interface PostgresStoreOptions {
  /** DATABASE_URL. */
  url: string;
  /** Connections in the pool (default 10); the feed has one more of its own. */
  poolSize?: number;
  /** The feed's connection was lost (once per outage; it reconnects by itself). */
  onFeedLost?: (error: Error) => void;
  /** The feed listens again (the database is back). */
  onFeedBack?: () => void;
}

/** Connects, migrates the schema and starts listening; a clear error when the database cannot be reached. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const config: pg.PoolConfig = {
    connectionString: options.url,
    max: options.poolSize ?? POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
  };
  const pool = new pg.Pool(config);
  // An idle client's connection can drop (a database restart): the pool replaces it, and
  // the outage is reported once, by the feed.
  pool.on("error", () => {});
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`Cannot prepare PostgreSQL at ${redactUrl(options.url)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const store = new PostgresStore(pool);
  try {
    await store.startFeed(config, options);
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`Cannot listen on PostgreSQL at ${redactUrl(options.url)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  store.indexUnindexed();
  return store;
}

export class PostgresStore implements Store {
  private readonly listeners = new Set<StoreListener>();
  /** Writes waiting for their room's transaction in flight, per room. */
  private readonly queues = new Map<string, PendingWrite[]>();
  private feed: PostgresFeed | undefined;
  /** The rooms whose notices the listeners get (follow). */
  private readonly followed = new Set<string>();
  /** How many followed rooms share each channel (two only if their names' hashes collide). */
  private readonly channelRooms = new Map<string, number>();
  /** Names this store's notices on the feed. */
  private readonly origin = randomUUID();
  /** Feed events are handed on one after the other, in the order PostgreSQL sent them. */
  private dispatching: Promise<void> = Promise.resolve();
  private readonly search = new PostgresSearch<MessageRow>((text, values) => this.query(text, values), {
    columns: MESSAGE_COLUMNS,
    toMessage,
  });
  /** Indexing the messages that have no search words yet, from start-up on. */
  private indexing: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly pool: pg.Pool) {}

  async createUser(user: UserRecord): Promise<boolean> {
    const { rowCount } = await this.query(
      `INSERT INTO users (name_key, username, password_hash, created_at, session_version)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name_key) DO NOTHING`,
      [user.username.toLowerCase(), user.username, user.passwordHash, user.createdAt, user.sessionVersion ?? 0],
    );
    return rowCount === 1;
  }

  async findUser(username: string): Promise<UserRecord | undefined> {
    const { rows } = await this.query<{ username: string; password_hash: string; created_at: Date; session_version: number }>(
      "SELECT username, password_hash, created_at, session_version FROM users WHERE name_key = $1",
      [username.toLowerCase()],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      username: row.username,
      passwordHash: row.password_hash,
      createdAt: row.created_at.toISOString(),
      sessionVersion: row.session_version,
    };
  }

  async bumpSessionVersion(username: string): Promise<number | undefined> {
    const { rows } = await this.query<{ session_version: number }>(
      "UPDATE users SET session_version = session_version + 1 WHERE name_key = $1 RETURNING session_version",
      [username.toLowerCase()],
    );
    return rows[0]?.session_version;
  }

  async claimUsername(skeleton: string, username: string): Promise<string> {
    const { rows } = await this.query<{ username: string }>(
      // DO UPDATE (a no-op) rather than DO NOTHING: it waits for a claim being made at
      // the same moment and returns the row as committed, so exactly one claim wins.
      `INSERT INTO usernames (skeleton, username) VALUES ($1, $2)
       ON CONFLICT (skeleton) DO UPDATE SET username = usernames.username
       RETURNING username`,
      [skeleton, username],
    );
    return rows[0]?.username ?? username;
  }

  async usernameHolder(skeleton: string): Promise<string | undefined> {
    const { rows } = await this.query<{ username: string }>("SELECT username FROM usernames WHERE skeleton = $1", [skeleton]);
    return rows[0]?.username;
  }

  append(room: string, draft: MessageDraft): Promise<AppendResult> {
    return new Promise((resolve, reject) => this.enqueue(room, { kind: "append", draft, resolve, reject }));
  }

  async recent(room: string, limit: number): Promise<Message[]> {
    const { rows } = await this.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS}
       FROM messages m JOIN rooms r ON r.id = m.room_id
       WHERE r.name = $1 ORDER BY m.seq DESC LIMIT $2`,
      [room, limit],
    );
    return rows.reverse().map((row) => toMessage(room, row));
  }

  async before(room: string, beforeSeq: number, limit: number): Promise<Message[]> {
    const { rows } = await this.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS}
       FROM messages m JOIN rooms r ON r.id = m.room_id
       WHERE r.name = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`,
      [room, beforeSeq, limit],
    );
    return rows.reverse().map((row) => toMessage(room, row));
  }

  searchRoom(room: string, text: string, options: RoomSearch): Promise<Message[]> {
    return this.search.searchRoom(room, text, options);
  }

  searchRooms(text: string, options: RoomsSearch): Promise<Message[]> {
    return this.search.searchRooms(text, options);
  }

  /**
   * One transaction: lock the message's row (another node's change of it waits), apply
   * the change (message-change.ts), write it and announce it on the feed, so other nodes'
   * windows follow. PostgreSQL keeps a dead row version of a deleted text until (auto)vacuum
   * reclaims it; no query reads it.
   */
  async updateMessage(room: string, seq: number, change: MessageChange): Promise<Message> {
    if (!Number.isSafeInteger(seq) || seq < 1) throw noSuchMessage(room, seq);
    return this.transaction(async (client) => {
      const { rows } = await client.query<MessageRow & { author: string | null }>(
        `SELECT ${MESSAGE_COLUMNS}, m.author FROM messages m JOIN rooms r ON r.id = m.room_id
         WHERE r.name = $1 AND m.seq = $2 FOR UPDATE OF m`,
        [room, seq],
      );
      if (!rows[0]) throw noSuchMessage(room, seq);
      const kept = toKept(room, rows[0]);
      const changed = applyChange(kept, change);
      const message = wireMessage(changed);
      if (changed === kept) return message;
      const body = JSON.stringify(message);
      const notice = Buffer.byteLength(body) + 64 <= NOTIFY_MAX_BYTES ? `u ${seq} ${this.origin} ${body}` : `w ${seq} ${this.origin} ${JSON.stringify(room)}`;
      await client.query(
        `WITH changed AS (
           UPDATE messages m SET content = $3, edited_at = $4, deleted = $5, reactions = $6::jsonb, pinned = $7, reply_to = $8,
             search = ${searchValue("$11", "r.id")}
           FROM rooms r WHERE r.id = m.room_id AND r.name = $1 AND m.seq = $2
         )
         SELECT pg_notify($9, $10)`,
        [
          room,
          seq,
          changed.content,
          changed.editedAt ?? null,
          changed.deleted === true,
          changed.reactions ? JSON.stringify(changed.reactions) : null,
          changed.pinned === true,
          changed.replyTo ?? null,
          feedChannel(room),
          notice,
          // The new words (none for a tombstone), written with the content as every content write does.
          searchVector(changed.content),
        ],
      );
      return message;
    });
  }

  async claimOwner(room: string, username: string): Promise<string> {
    const { rows } = await this.query<{ owner: string }>(
      `INSERT INTO rooms (name, owner) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET owner = COALESCE(rooms.owner, EXCLUDED.owner)
       RETURNING owner`,
      [room, username],
    );
    return rows[0]?.owner ?? username;
  }

  async owner(room: string): Promise<string | undefined> {
    const { rows } = await this.query<{ owner: string | null }>("SELECT owner FROM rooms WHERE name = $1", [room]);
    return rows[0]?.owner ?? undefined;
  }

  async roomSettings(room: string): Promise<RoomSettingsRecord | undefined> {
    const { rows } = await this.query<{ settings: RoomSettingsRecord | null }>("SELECT settings FROM rooms WHERE name = $1", [room]);
    return rows[0]?.settings ?? undefined;
  }

  async saveRoomSettings(room: string, settings: RoomSettingsRecord): Promise<void> {
    await this.query(
      `WITH saved AS (
         INSERT INTO rooms (name, settings) VALUES ($1, $2::jsonb)
         ON CONFLICT (name) DO UPDATE SET settings = EXCLUDED.settings
       )
       SELECT pg_notify($3, $4)`,
      [room, JSON.stringify(settings), feedChannel(room), this.configuredNotice(room)],
    );
  }

  async putRoomEntry(room: string, list: RoomList, entry: RoomEntry): Promise<void> {
    await this.query(
      `WITH room AS (${ROOM_ROW}), put AS (
         INSERT INTO room_entries (room_id, list, key, entry) SELECT id, $2, $3, $4::jsonb FROM room
         ON CONFLICT (room_id, list, key) DO UPDATE SET entry = EXCLUDED.entry
       )
       SELECT pg_notify($5, $6)`,
      [room, list, entry.key, JSON.stringify(entry), feedChannel(room), this.configuredNotice(room)],
    );
  }

  async removeRoomEntry(room: string, list: RoomList, key: string): Promise<boolean> {
    const { rows } = await this.query<{ removed: number }>(
      `WITH gone AS (
         DELETE FROM room_entries e USING rooms r
         WHERE r.id = e.room_id AND r.name = $1 AND e.list = $2 AND e.key = $3
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM gone)::int AS removed, pg_notify($4, $5)`,
      [room, list, key, feedChannel(room), this.configuredNotice(room)],
    );
    return rows[0]!.removed > 0;
  }

  async roomEntries(room: string, list: RoomList): Promise<RoomEntry[]> {
    const { rows } = await this.query<{ entry: RoomEntry }>(
      "SELECT e.entry FROM room_entries e JOIN rooms r ON r.id = e.room_id WHERE r.name = $1 AND e.list = $2",
      [room, list],
    );
    return rows.map((row) => row.entry);
  }

  async appendAudit(room: string, entry: AuditEntry): Promise<void> {
    // The new line is not visible to the trim in the same statement: keep AUDIT_MAX - 1 older ones.
    await this.query(
      `WITH room AS (${ROOM_ROW}), added AS (
         INSERT INTO room_audit (room_id, entry) SELECT id, $2::jsonb FROM room
       )
       DELETE FROM room_audit WHERE room_id = (SELECT id FROM room) AND n <= (
         SELECT n FROM room_audit WHERE room_id = (SELECT id FROM room) ORDER BY n DESC OFFSET $3 LIMIT 1
       )`,
      [room, JSON.stringify(entry), AUDIT_MAX - 1],
    );
  }

  async audit(room: string, limit: number): Promise<AuditEntry[]> {
    const { rows } = await this.query<{ entry: AuditEntry }>(
      "SELECT a.entry FROM room_audit a JOIN rooms r ON r.id = a.room_id WHERE r.name = $1 ORDER BY a.n DESC LIMIT $2",
      [room, limit],
    );
    return rows.map((row) => row.entry);
  }

  async personRooms(person: string): Promise<PersonRoom[]> {
    const { rows } = await this.query<{ room: string; notify: string; seq: string }>(
      `SELECT p.room, p.notify, COALESCE(r.seq, 0) AS seq
       FROM person_rooms p LEFT JOIN read_markers r ON r.person = p.person AND r.room = p.room
       WHERE p.person = $1 ORDER BY p.position`,
      [person],
    );
    return rows.map((row) => ({ room: row.room, notify: row.notify === "all" ? "all" : "mentions", lastReadSeq: Number(row.seq) }));
  }

  async hasPersonRoom(person: string, room: string): Promise<boolean> {
    const { rows } = await this.query("SELECT 1 FROM person_rooms WHERE person = $1 AND room = $2", [person, room]);
    return rows.length > 0;
  }

  async savePersonRoom(person: string, room: string, notify?: NotifyLevel): Promise<void> {
    // A room listed already keeps its place; only a level given changes its level.
    await this.query(
      `INSERT INTO person_rooms (person, room, notify) VALUES ($1, $2, COALESCE($3::text, 'mentions'))
       ON CONFLICT (person, room) DO UPDATE SET notify = COALESCE($3::text, person_rooms.notify)`,
      [person, room, notify ?? null],
    );
  }

  async removePersonRoom(person: string, room: string): Promise<void> {
    await this.query("DELETE FROM person_rooms WHERE person = $1 AND room = $2", [person, room]);
  }

  async markRead(person: string, room: string, seq: number): Promise<number> {
    // One statement: two devices marking at once keep the larger marker.
    const { rows } = await this.query<{ seq: string }>(
      `INSERT INTO read_markers (person, room, seq) VALUES ($1, $2, $3)
       ON CONFLICT (person, room) DO UPDATE SET seq = GREATEST(read_markers.seq, EXCLUDED.seq)
       RETURNING seq`,
      [person, room, seq],
    );
    return Number(rows[0]!.seq);
  }

  async readMarkers(person: string, rooms: string[]): Promise<Map<string, number>> {
    const { rows } = await this.query<{ room: string; seq: string }>(
      "SELECT room, seq FROM read_markers WHERE person = $1 AND room = ANY($2::text[])",
      [person, rooms],
    );
    const kept = new Map(rows.map((row) => [row.room, Number(row.seq)]));
    return new Map(rooms.map((room) => [room, kept.get(room) ?? 0]));
  }

  /**
   * A room's newest message is the one before its next_seq (seqs are gap-free): one
   * primary-key probe per room, read at the list's request, so appends pay nothing for it.
   */
  async roomsByActivity(limit: number): Promise<RoomActivity[]> {
    const { rows } = await this.query<{ name: string; seq: string; sent_at: Date }>(
      `SELECT r.name, m.seq, m.sent_at FROM rooms r JOIN messages m ON m.room_id = r.id AND m.seq = r.next_seq - 1
       ORDER BY m.sent_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({ room: row.name, seq: Number(row.seq), lastActivity: row.sent_at.toISOString() }));
  }

  /** Queued behind the room's appends made before it, as a single connection would order them. */
  deleteRoom(room: string): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue(room, { kind: "delete", resolve, reject }));
  }

  private async deleteNow(room: string): Promise<void> {
    // One statement, one transaction: the deletion and its notice commit together.
    await this.query(
      `WITH gone AS (DELETE FROM rooms WHERE name = $1)
       SELECT pg_notify($2, $3)`,
      [room, feedChannel(room), `d 0 ${this.origin} ${JSON.stringify(room)}`],
    );
  }

  /** The value of a setting every node shares, set to `initial` by whichever node asks first. */
  async sharedSetting(name: string, initial: string): Promise<string> {
    const { rows } = await this.query<{ value: string }>(
      // As in claimUsername: two nodes starting at once agree on one value.
      `INSERT INTO settings (name, value) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET value = settings.value
       RETURNING value`,
      [name, initial],
    );
    return rows[0]!.value;
  }

  watch(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether the database answers now: a trivial query through the pool (for /api/health). */
  reachable(): Promise<boolean> {
    return this.pool.query("SELECT 1").then(
      () => true,
      () => false,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.indexing;
    await this.feed?.close();
    await this.pool.end();
  }

  /**
   * Tells the listeners (watch) of the room's changes made through other stores until
   * unfollow; resolves once the feed listens to the room's channel, so a change committed
   * from then on is told. Follow a room before reading it and nothing falls in between.
   * Rejects with room_unavailable when the feed has no connection and cannot make one
   * (the room stays followed: the feed listens to it once it is back). Undefined when the
   * feed listens to the channel already: the caller goes on in the same turn.
   */
  follow(room: string): Promise<void> | undefined {
    const channel = feedChannel(room);
    if (!this.followed.has(room)) {
      this.followed.add(room);
      this.channelRooms.set(channel, (this.channelRooms.get(channel) ?? 0) + 1);
    }
    return this.feed!.listen(channel)?.catch((error: unknown) => {
      throw new StoreUnavailable(error);
    });
  }

  unfollow(room: string): void {
    if (!this.followed.delete(room)) return;
    const channel = feedChannel(room);
    const rooms = this.channelRooms.get(channel)! - 1;
    if (rooms > 0) return void this.channelRooms.set(channel, rooms);
    this.channelRooms.delete(channel);
    this.feed!.unlisten(channel);
  }

  /** @internal What the feed's connection received, for tests and the bench: it grows with the rooms followed. */
  get feedTraffic(): FeedTraffic {
    return { ...this.feed!.received };
  }

  /** @internal Called once by openPostgresStore. */
  async startFeed(config: pg.ClientConfig, report: Pick<PostgresStoreOptions, "onFeedLost" | "onFeedBack">): Promise<void> {
    this.feed = await PostgresFeed.start(config, {
      notified: (payload) => {
        this.dispatching = this.dispatching.then(() => this.dispatch(payload)).catch(() => {});
      },
      resumed: () => {
        report.onFeedBack?.();
        this.dispatching = this.dispatching
          .then(() => {
            for (const listener of this.listeners) listener.resync();
          })
          .catch(() => {});
      },
      lost: (error) => report.onFeedLost?.(error),
    });
  }

  /**
   * @internal Called once by openPostgresStore: indexes, in the background, the messages
   * stored before search existed (or edited without their words); searches find them
   * meanwhile, only slower. A failure (the database gone) leaves the rest to the next start.
   */
  indexUnindexed(): void {
    this.indexing = this.search.indexUnindexed(() => this.closed).catch(() => {});
  }

  /** The feed notice that the room's settings or lists changed: other nodes' workers read them again. */
  private configuredNotice(room: string): string {
    return `c 0 ${this.origin} ${JSON.stringify(room)}`;
  }

  private enqueue(room: string, write: PendingWrite): void {
    const queue = this.queues.get(room);
    if (queue) return void queue.push(write);
    this.queues.set(room, [write]);
    void this.drain(room);
  }

  /** Runs the room's waiting writes in order, consecutive appends as one batch, until none is left. */
  private async drain(room: string): Promise<void> {
    const queue = this.queues.get(room)!;
    while (queue.length > 0) {
      const next = queue[0]!;
      if (next.kind === "delete") {
        queue.shift();
        await this.deleteNow(room).then(next.resolve, next.reject);
        continue;
      }
      const end = queue.findIndex((write) => write.kind === "delete");
      const batch = queue.splice(0, Math.min(end === -1 ? queue.length : end, MAX_BATCH)) as Extract<PendingWrite, { kind: "append" }>[];
      try {
        const results = await this.appendBatch(room, batch.map((pending) => pending.draft));
        batch.forEach((pending, i) => pending.resolve(results[i]!));
      } catch (error) {
        const failure = error instanceof ChatError ? error : new StoreUnavailable(error);
        for (const pending of batch) pending.reject(failure);
      }
    }
    this.queues.delete(room);
  }

  /**
   * Stores the drafts in order; a clientId already stored returns its first message.
   * Most batches hold no retry: one statement stores them all (one round trip and one
   * commit), and the unique index refuses the whole statement if a clientId was in fact
   * stored already; then the careful transaction below sorts old from new.
   */
  private async appendBatch(room: string, drafts: MessageDraft[]): Promise<AppendResult[]> {
    const clientIds = drafts.flatMap((draft) => (draft.clientId === undefined ? [] : [draft.clientId]));
    if (new Set(clientIds).size === clientIds.length) {
      try {
        return await this.appendFresh(room, drafts);
      } catch (error) {
        if (!(error instanceof pg.DatabaseError && error.code === "23505" && error.constraint === CLIENT_ID_INDEX)) throw error;
      }
    }
    return this.appendChecked(room, drafts);
  }

  /** One statement: raise the room's next_seq by the batch's size (locking its row), insert, announce. */
  private async appendFresh(room: string, drafts: MessageDraft[]): Promise<AppendResult[]> {
    const messages = drafts.map((draft) => unnumbered(room, draft));
    const notices = messages.map(noticeBody);
    const { rows } = await this.pool.query<{ first_seq: string }>(
      `WITH room AS (
         INSERT INTO rooms (name, next_seq) VALUES ($1, 1 + $2::bigint)
         ON CONFLICT (name) DO UPDATE SET next_seq = rooms.next_seq + $2::bigint
         RETURNING id, next_seq - $2::bigint AS first_seq
       ), inserted AS (
         INSERT INTO messages (room_id, seq, id, username, guest, content, sent_at, client_id, tag, author, search, reply_to)
         SELECT room.id, room.first_seq + m.n - 1, m.id, m.username, m.guest, m.content, m.sent_at, m.client_id, m.tag, m.author,
           ${searchValue("m.search", "room.id")}, m.reply_to
         FROM room, unnest($3::uuid[], $4::text[], $5::boolean[], $6::text[], $7::timestamptz[], $8::text[], $13::text[], $14::text[], $15::text[], $16::bigint[])
           WITH ORDINALITY AS m(id, username, guest, content, sent_at, client_id, tag, author, search, reply_to, n)
       )
       SELECT room.first_seq, pg_notify($9, notice.kind || ' ' || (room.first_seq + notice.n - 1) || ' ' || $12 || ' ' || notice.body)
       FROM room, unnest($10::text[], $11::text[]) WITH ORDINALITY AS notice(kind, body, n)`,
      [
        room,
        messages.length,
        messages.map((message) => message.id),
        messages.map((message) => message.username),
        messages.map((message) => message.guest),
        messages.map((message) => message.content),
        messages.map((message) => message.sentAt),
        messages.map((message) => message.clientId ?? null),
        feedChannel(room),
        notices.map(([kind]) => kind),
        notices.map(([, body]) => body),
        this.origin,
        messages.map((message) => message.tag ?? null),
        messages.map((message) => message.author ?? null),
        messages.map((message) => searchVector(message.content)),
        messages.map((message) => message.replyTo ?? null),
      ],
    );
    const first = Number(rows[0]!.first_seq);
    return messages.map((message, i) => ({ message: numbered(message, first + i), created: true }));
  }

  /** A transaction that locks the room's row first, then reads which clientIds are stored already. */
  private async appendChecked(room: string, drafts: MessageDraft[]): Promise<AppendResult[]> {
    const client = await this.pool.connect();
    let broken: unknown;
    // A connection lost between two queries is reported here, not to a query.
    const onError = (error: Error) => (broken = error);
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      // Locks the room's row until COMMIT: another node's append to this room waits here.
      const { rows: roomRows } = await client.query<{ id: string; next_seq: string }>(
        `INSERT INTO rooms (name) VALUES ($1)
         ON CONFLICT (name) DO UPDATE SET next_seq = rooms.next_seq
         RETURNING id, next_seq`,
        [room],
      );
      const roomId = roomRows[0]!.id;
      let nextSeq = Number(roomRows[0]!.next_seq);

      // Read after the lock: every earlier append to this room is committed and visible.
      const clientIds = [...new Set(drafts.flatMap((draft) => (draft.clientId === undefined ? [] : [draft.clientId])))];
      const known = new Map<string, Message>();
      if (clientIds.length > 0) {
        const { rows } = await client.query<MessageRow>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages m
           WHERE room_id = $1 AND client_id = ANY($2::text[])`,
          [roomId, clientIds],
        );
        for (const row of rows) known.set(row.client_id!, toMessage(room, row));
      }

      const results: AppendResult[] = [];
      const fresh: KeptMessage[] = [];
      const notices: string[] = [];
      for (const draft of drafts) {
        const first = draft.clientId === undefined ? undefined : known.get(draft.clientId);
        if (first) {
          results.push({ message: first, created: false });
          continue;
        }
        const plain = unnumbered(room, draft);
        const seq = nextSeq++;
        const message = numbered(plain, seq);
        if (message.clientId !== undefined) known.set(message.clientId, message);
        fresh.push({ ...plain, seq });
        const [kind, body] = noticeBody(plain);
        notices.push(`${kind} ${seq} ${this.origin} ${body}`);
        results.push({ message, created: true });
      }

      if (fresh.length > 0) {
        await client.query(
          `WITH inserted AS (
             INSERT INTO messages (room_id, seq, id, username, guest, content, sent_at, client_id, tag, author, search, reply_to)
             SELECT $1::bigint, m.seq, m.id, m.username, m.guest, m.content, m.sent_at, m.client_id, m.tag, m.author, ${searchValue("m.search", "$1::bigint")}, m.reply_to
             FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::boolean[], $6::text[], $7::timestamptz[], $8::text[], $12::text[], $13::text[], $14::text[], $15::bigint[])
               AS m(seq, id, username, guest, content, sent_at, client_id, tag, author, search, reply_to)
           ), raised AS (
             UPDATE rooms SET next_seq = $9 WHERE id = $1
           )
           SELECT pg_notify($10, payload) FROM unnest($11::text[]) AS payload`,
          [
            roomId,
            fresh.map((message) => message.seq),
            fresh.map((message) => message.id),
            fresh.map((message) => message.username),
            fresh.map((message) => message.guest),
            fresh.map((message) => message.content),
            fresh.map((message) => message.sentAt),
            fresh.map((message) => message.clientId ?? null),
            nextSeq,
            feedChannel(room),
            notices,
            fresh.map((message) => message.tag ?? null),
            fresh.map((message) => message.author ?? null),
            fresh.map((message) => searchVector(message.content)),
            fresh.map((message) => message.replyTo ?? null),
          ],
        );
      }
      await client.query("COMMIT");
      return results;
    } catch (error) {
      // Closing the connection rolls the transaction back, even one stuck behind a timed-out query.
      broken ??= error;
      throw error;
    } finally {
      // A failed client is closed, not returned to the pool.
      client.off("error", onError);
      client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
    }
  }

  /** Runs `work` in a transaction on one connection; a failure rolls back, and a broken connection is closed. */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StoreUnavailable(error);
    }
    let broken: unknown;
    const onError = (error: Error) => (broken = error);
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollback: unknown) => (broken ??= rollback));
      if (error instanceof ChatError) throw error;
      broken ??= error;
      throw new StoreUnavailable(error);
    } finally {
      client.off("error", onError);
      client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
    }
  }

  private async dispatch(payload: string): Promise<void> {
    const kind = payload.slice(0, 1) as NoticeKind;
    const seqEnd = payload.indexOf(" ", 2);
    const originEnd = seqEnd < 0 ? -1 : payload.indexOf(" ", seqEnd + 1);
    if (payload[1] !== " " || originEnd < 0) return; // not ours
    if (payload.slice(seqEnd + 1, originEnd) === this.origin) return;
    const seq = Number(payload.slice(2, seqEnd));
    const body = payload.slice(originEnd + 1);
    // "m" and "u" carry the message (which names its room), the other kinds the room's name.
    const told = JSON.parse(body) as UnnumberedMessage | Message | string;
    const room = typeof told === "string" ? told : told.room;
    // A room another one shares a channel with, or a notice sent just before its room was unfollowed.
    if (!this.followed.has(room)) return;
    if (kind === "d" || kind === "c") {
      for (const listener of this.listeners) {
        if (kind === "d") listener.deleted(room);
        else listener.configured?.(room);
      }
      return;
    }
    if (kind === "u" || kind === "w") {
      const changed = kind === "u" ? (told as Message) : (await this.before(room, seq + 1, 1).catch(() => []))[0];
      if (changed?.seq !== seq) return;
      for (const listener of this.listeners) listener.changed?.(changed);
      return;
    }
    let message: Message | undefined;
    if (kind === "m") message = numbered(told as UnnumberedMessage, seq);
    else if (kind === "r") {
      // Unreadable now: listeners read the store anyway when the room's next seq skips one.
      message = (await this.before(room, seq + 1, 1).catch(() => []))[0];
      if (message?.seq !== seq) return;
    }
    if (!message) return;
    for (const listener of this.listeners) listener.appended(message);
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw new StoreUnavailable(error);
    }
  }
}

/** A new message without its seq, its fields in the wire order (as the memory store gives them). */
function unnumbered(room: string, draft: MessageDraft): UnnumberedMessage {
  const message: UnnumberedMessage = { id: randomUUID(), room, ...draft };
  if (message.clientId === undefined) delete message.clientId;
  if (message.author === undefined) delete message.author;
  return message;
}

/** The message as clients see it: its seq put in, its author's key left out. */
function numbered(message: UnnumberedMessage, seq: number): Message {
  const { id, room, ...rest } = message;
  return wireMessage({ id, room, seq, ...rest });
}

/** The kind and body of a message's notice; the seq goes between them. The author's key stays out. */
function noticeBody(message: UnnumberedMessage): [NoticeKind, string] {
  const body = JSON.stringify(message, (key: string, value: unknown) => (key === "author" ? undefined : value));
  // Room for the kind, the seq, the origin and three spaces.
  if (Buffer.byteLength(body) + 64 <= NOTIFY_MAX_BYTES) return ["m", body];
  return ["r", JSON.stringify(message.room)];
}

function toMessage(room: string, row: MessageRow): Message {
  const { reactions, ...message } = toKept(room, { ...row, author: null });
  return reactions ? { ...message, ...wireReactions(reactions) } : message;
}

/** The message as the store keeps it: with its author's key and the reactors' keys. */
function toKept(room: string, row: MessageRow & { author: string | null }): KeptMessage {
  const message: KeptMessage = {
    id: row.id,
    room,
    seq: Number(row.seq),
    username: row.username,
    guest: row.guest,
    content: row.content,
    sentAt: row.sent_at.toISOString(),
  };
  if (row.client_id !== null) message.clientId = row.client_id;
  if (row.tag !== null) message.tag = row.tag;
  if (row.edited_at !== null) message.editedAt = row.edited_at.toISOString();
  if (row.deleted) message.deleted = true;
  if (row.reply_to !== null) message.replyTo = Number(row.reply_to);
  if (row.reactions !== null) message.reactions = row.reactions;
  if (row.pinned) message.pinned = true;
  if (row.author !== null) message.author = row.author;
  return message;
}

/** DATABASE_URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
