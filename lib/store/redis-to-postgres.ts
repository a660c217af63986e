// Moves a STORE=redis cluster's data into PostgreSQL (`livechat migrate`): accounts
// with their password hashes and session versions, username claims, rooms with their
// owners, settings, lists and audit logs, every message as kept (id, seq, clientId,
// author's key, edits, tombstones, replies, reactions with their reactors' keys, pins),
// each person's rooms in their order with notify levels and read markers, and the
// session secret the nodes shared, so that cookies stay valid.
//
// All of it is written in ONE transaction into an empty database: a run that fails
// (Redis or PostgreSQL gone midway, a bad record) leaves the target as empty as it
// found it and can simply run again; a run that finished makes the target non-empty,
// and a second run refuses with a sentence instead of writing anything twice. That is
// simpler to trust than resuming half-written rooms, and PostgreSQL takes a
// transaction of millions of rows in its stride.
//
// Rows are written with SQL rather than through PostgresStore's methods, which would
// give every message a new id and seq and drop edits, reactions and the keys.
import type pg from "pg";
import type { RedisStore } from "./redis";
import { migrate } from "./postgres-migrations";
import { searchValue, searchVector } from "./postgres-search";
import { AUDIT_MAX, ROOM_LISTS } from "./store";

/** Messages read from Redis and inserted per statement. */
const CHUNK = 1000;
/** Taken for the whole run: a second migration into the same database waits, then finds it non-empty. */
const MIGRATION_LOCK = "7315263520151108";

export interface MigrationFigures {
  users: number;
  rooms: number;
  messages: number;
  people: number;
  ms: number;
}

/** Refused before anything is written: the sentence says why and what to do. */
export class MigrationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationRefused";
  }
}

export interface MigrationOptions {
  from: RedisStore;
  /** The target; its schema is brought up to date first, as a node's start-up would. */
  to: pg.Pool;
  /** Called after each room, for progress. */
  onRoom?: (done: number, total: number) => void;
}

export async function migrateRedisToPostgres({ from, to, onRoom }: MigrationOptions): Promise<MigrationFigures> {
  const started = performance.now();
  await migrate(to);
  const [users, claims, rooms, people, secret] = await Promise.all([
    from.allUsers(),
    from.allUsernameClaims(),
    from.allRooms(),
    from.allPeople(),
    from.sharedSessionSecret(),
  ]);
  if (users.length + rooms.length + people.length === 0) {
    throw new MigrationRefused("Redis holds no Livechat data under this prefix: check --from and --prefix (the nodes' key prefix, livechat: unless changed).");
  }

  const client = await to.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK]);
    await refuseNonEmpty(client);

    await client.query(
      `INSERT INTO users (name_key, username, password_hash, created_at, session_version)
       SELECT lower(u.username), u.username, u.password_hash, u.created_at, u.session_version
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[]) AS u(username, password_hash, created_at, session_version)`,
      [users.map((u) => u.username), users.map((u) => u.passwordHash), users.map((u) => u.createdAt), users.map((u) => u.sessionVersion ?? 0)],
    );
    await client.query("INSERT INTO usernames (skeleton, username) SELECT * FROM unnest($1::text[], $2::text[])", [
      claims.map((c) => c.skeleton),
      claims.map((c) => c.username),
    ]);

    let messages = 0;
    for (const [index, room] of rooms.entries()) {
      messages += await copyRoom(from, client, room);
      onRoom?.(index + 1, rooms.length);
    }
    for (const person of people) await copyPerson(from, client, person);
    if (secret !== undefined) {
      // A node started on the empty database may have generated one already: the cluster's cookies are sealed with this one.
      await client.query(
        "INSERT INTO settings (name, value) VALUES ('session-secret', $1) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
        [secret],
      );
    }
    await client.query("COMMIT");
    return { users: users.length, rooms: rooms.length, messages, people: people.length, ms: Math.round(performance.now() - started) };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function refuseNonEmpty(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ users: number; rooms: number; people: number }>(
    `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM rooms)::int AS rooms,
       (SELECT count(*) FROM (SELECT person FROM person_rooms UNION SELECT person FROM read_markers) p)::int AS people`,
  );
  const { users, rooms, people } = rows[0]!;
  if (users + rooms + people > 0) {
    throw new MigrationRefused(
      `The target database already holds Livechat data (${users} accounts, ${rooms} rooms, ${people} people's lists), so nothing was written: ` +
        "migrate into an empty database (a migration that finished need not run again; one that failed left nothing behind).",
    );
  }
}

/** The room's row, its messages in seq order, its lists and its audit log; answers how many messages. */
async function copyRoom(from: RedisStore, client: pg.PoolClient, room: string): Promise<number> {
  const [count, owner, settings] = await Promise.all([from.messageCount(room), from.owner(room), from.roomSettings(room)]);
  const { rows } = await client.query<{ id: string }>("INSERT INTO rooms (name, next_seq, owner, settings) VALUES ($1, $2, $3, $4::jsonb) RETURNING id", [
    room,
    count + 1,
    owner ?? null,
    settings === undefined ? null : JSON.stringify(settings),
  ]);
  const roomId = rows[0]!.id;
  for (let seq = 1; seq <= count; seq += CHUNK) {
    const chunk = await from.keptMessages(room, seq, CHUNK);
    await client.query(
      `INSERT INTO messages (room_id, seq, id, username, guest, content, sent_at, client_id, tag, author, search,
         reply_to, edited_at, deleted, reactions, pinned)
       SELECT $1::bigint, m.seq, m.id, m.username, m.guest, m.content, m.sent_at, m.client_id, m.tag, m.author,
         ${searchValue("m.search", "$1::bigint")}, m.reply_to, m.edited_at, m.deleted, m.reactions::jsonb, m.pinned
       FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::boolean[], $6::text[], $7::timestamptz[], $8::text[], $9::text[],
         $10::text[], $11::text[], $12::bigint[], $13::timestamptz[], $14::boolean[], $15::text[], $16::boolean[])
         AS m(seq, id, username, guest, content, sent_at, client_id, tag, author, search, reply_to, edited_at, deleted, reactions, pinned)`,
      [
        roomId,
        chunk.map((m) => m.seq),
        chunk.map((m) => m.id),
        chunk.map((m) => m.username),
        chunk.map((m) => m.guest),
        chunk.map((m) => m.content),
        chunk.map((m) => m.sentAt),
        chunk.map((m) => m.clientId ?? null),
        chunk.map((m) => m.tag ?? null),
        chunk.map((m) => m.author ?? null),
        chunk.map((m) => searchVector(m.content)),
        chunk.map((m) => m.replyTo ?? null),
        chunk.map((m) => m.editedAt ?? null),
        chunk.map((m) => m.deleted === true),
        chunk.map((m) => (m.reactions && m.reactions.length > 0 ? JSON.stringify(m.reactions) : null)),
        chunk.map((m) => m.pinned === true),
      ],
    );
  }
  for (const list of ROOM_LISTS) {
    const entries = await from.roomEntries(room, list);
    await client.query(
      "INSERT INTO room_entries (room_id, list, key, entry) SELECT $1::bigint, $2::text, e.entry->>'key', e.entry FROM unnest($3::jsonb[]) AS e(entry)",
      [roomId, list, entries.map((entry) => JSON.stringify(entry))],
    );
  }
  // Newest first from Redis; inserted oldest first, so the log's order (its identity column) is kept.
  const audit = (await from.audit(room, AUDIT_MAX)).reverse();
  await client.query(
    "INSERT INTO room_audit (room_id, entry) SELECT $1::bigint, a.entry FROM unnest($2::jsonb[]) WITH ORDINALITY AS a(entry, n) ORDER BY a.n",
    [roomId, audit.map((entry) => JSON.stringify(entry))],
  );
  return count;
}

/** The person's rooms in their order (the identity column keeps it), and every read marker. */
async function copyPerson(from: RedisStore, client: pg.PoolClient, person: string): Promise<void> {
  const [rooms, markers] = await Promise.all([from.personRooms(person), from.allReadMarkers(person)]);
  await client.query(
    "INSERT INTO person_rooms (person, room, notify) SELECT $1::text, p.room, p.notify FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS p(room, notify, n) ORDER BY p.n",
    [person, rooms.map((r) => r.room), rooms.map((r) => r.notify)],
  );
  await client.query("INSERT INTO read_markers (person, room, seq) SELECT $1::text, * FROM unnest($2::text[], $3::bigint[])", [
    person,
    [...markers.keys()],
    [...markers.values()],
  ]);
}
