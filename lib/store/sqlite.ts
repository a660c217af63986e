// The embedded default store: one SQLite database (DATA_DIR/livechat.db) holding
// accounts, rooms and every message, so memory no longer grows with history: only
// live rooms' windows (kept by their workers) are in the heap, and scroll-back and
// search read the database.
//
// Durable before the ack: WAL mode with synchronous=FULL. In WAL mode a commit
// appends its pages to the WAL; FULL fsyncs the WAL at every commit, so a commit
// that has returned survives a power cut. (NORMAL, the usual WAL pairing, fsyncs
// only at checkpoints: a kill -9 loses nothing, since the OS still holds the
// writes, but a power cut can roll back commits that were acknowledged.)
//
// Writes go through SqliteWriter: one transaction per tick (group commit), on a
// worker thread that owns the writing connection, so fsyncs never block the event
// loop. A room's seq and the clientId rule are decided inside that transaction
// (max(seq) + 1 on the (room, seq) index; a unique index on (room, clientId)),
// so nothing about a room needs to stay in memory. Reads use a second connection
// on this thread (each is a lookup on an index, well under a millisecond): in WAL
// mode they never wait for the writer, and they see only committed, hence durable,
// data. Full-text searches, which can read much of the index, run on a search
// thread with a read-only connection of its own (sqlite-search.ts).
import { randomUUID } from "node:crypto";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import Database, { type Database as Connection, type Statement } from "better-sqlite3";
import type { Logger } from "../logger";
import { ChatError } from "../errors";
import type { Message, NotifyLevel } from "../protocol";
import { lockDataDir, type DataDirLock } from "./data-dir-lock";
import { DamagedData } from "./damaged-data";
import { importJournal } from "./journal-import";
import { configure, type WriteStep } from "./sqlite-batch.mjs";
import { startIntegrityCheck, type IntegrityCheck } from "./sqlite-check";
import { migrate } from "./sqlite-schema";
import { SqliteSearch } from "./sqlite-search";
import { SqliteWriter, type WriterThread } from "./sqlite-writer";
import { bestFirst, ftsQuery, isTrigramWord, searchTerms, trigramTerms, withHighlight } from "./search-text";
import { applyChange, noSuchMessage, wireReactions } from "./message-change";
import { AUDIT_MAX, wireMessage } from "./store";
import type {
  AppendResult,
  AuditEntry,
  KeptMessage,
  KeptReaction,
  MessageChange,
  MessageDraft,
  PersonRoom,
  RoomActivity,
  RoomEntry,
  RoomList,
  RoomSearch,
  RoomsSearch,
  RoomSettingsRecord,
  Store,
  UserRecord,
} from "./store";

export const DATABASE_FILE = "livechat.db";

const MESSAGE_COLUMNS =
  "m.seq, m.id, m.username, m.guest, m.tag, m.content, m.sent_at, m.client_id, m.edited_at, m.deleted, m.reply_to, m.reactions, m.pinned";
/** Attempts at a message change that lost its compare-and-set to another change of the same message. */
const CHANGE_ATTEMPTS = 20;

/** What the writer runs: every change goes through one of these, by name. */
export const WRITES = {
  createUser: `INSERT INTO users (key, username, password_hash, created_at, session_version) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (key) DO NOTHING`,
  bumpSessionVersion: `UPDATE users SET session_version = COALESCE(session_version, 0) + 1 WHERE key = ?
    RETURNING session_version AS version`,
  claimUsername: `INSERT INTO usernames (skeleton, username) VALUES (?, ?) ON CONFLICT (skeleton) DO NOTHING`,
  usernameHolder: `SELECT username FROM usernames WHERE skeleton = ?`,
  ensureRoom: `INSERT INTO rooms (name) VALUES (?) ON CONFLICT (name) DO NOTHING`,
  // The seq is the room's newest + 1, and num the newest overall + 1, each read on an index inside the commit.
  append: `INSERT INTO messages (room_id, seq, num, id, username, guest, tag, author, content, sent_at, client_id, reply_to)
    SELECT r.id, COALESCE((SELECT MAX(seq) FROM messages WHERE room_id = r.id), 0) + 1,
      COALESCE((SELECT MAX(num) FROM messages), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?
    FROM rooms r WHERE r.name = ?
    ON CONFLICT (room_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
    RETURNING seq`,
  byClientId: `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN rooms r ON r.id = m.room_id
    WHERE r.name = ? AND m.client_id = ?`,
  // Written only over the version it was read at (compare-and-set); the FTS triggers follow content.
  updateMessage: `UPDATE messages SET content = ?, edited_at = ?, deleted = ?, reactions = ?, pinned = ?, reply_to = ?, version = version + 1
    WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND seq = ? AND version = ?`,
  claimOwner: `UPDATE rooms SET owner = ? WHERE name = ? AND owner IS NULL`,
  owner: `SELECT owner FROM rooms WHERE name = ?`,
  saveSettings: `UPDATE rooms SET settings = ? WHERE name = ?`,
  putEntry: `INSERT INTO room_entries (room_id, list, key, entry) SELECT id, ?, ?, ? FROM rooms WHERE name = ?
    ON CONFLICT (room_id, list, key) DO UPDATE SET entry = excluded.entry`,
  removeEntry: `DELETE FROM room_entries WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND list = ? AND key = ?`,
  appendAudit: `INSERT INTO audit (room_id, n, entry)
    SELECT r.id, COALESCE((SELECT MAX(n) FROM audit WHERE room_id = r.id), 0) + 1, ? FROM rooms r WHERE r.name = ?`,
  trimAudit: `DELETE FROM audit WHERE room_id = (SELECT id FROM rooms WHERE name = ?)
    AND n <= (SELECT MAX(n) FROM audit WHERE room_id = (SELECT id FROM rooms WHERE name = ?)) - ${AUDIT_MAX}`,
  deleteEntries: `DELETE FROM room_entries WHERE room_id = (SELECT id FROM rooms WHERE name = ?)`,
  deleteAudit: `DELETE FROM audit WHERE room_id = (SELECT id FROM rooms WHERE name = ?)`,
  deleteMessages: `DELETE FROM messages WHERE room_id = (SELECT id FROM rooms WHERE name = ?)`,
  deleteRoom: `DELETE FROM rooms WHERE name = ?`,
  // A room listed already keeps its place; only a level given changes its level.
  savePersonRoom: `INSERT INTO person_rooms (person, room, position, notify)
    VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM person_rooms WHERE person = ?), COALESCE(?, 'mentions'))
    ON CONFLICT (person, room) DO UPDATE SET notify = COALESCE(?, notify)`,
  removePersonRoom: `DELETE FROM person_rooms WHERE person = ? AND room = ?`,
  markRead: `INSERT INTO read_markers (person, room, seq) VALUES (?, ?, ?)
    ON CONFLICT (person, room) DO UPDATE SET seq = MAX(seq, excluded.seq)
    RETURNING seq`,
} as const;

type WriteName = keyof typeof WRITES;

/**
 * Newest matches that searchRooms ranks (search-text.ts's bestFirst, on this thread):
 * ranking every match of a common word costs time in proportion to its matches (FTS5's
 * bm25 counts them all for its weights: 1.1 s p99 at 1,000,000 messages), and this many
 * cost a few milliseconds on the event loop.
 */
const RANKED_MATCHES = 200;

const ROWS = "JOIN messages m ON m.num = f.rowid";
/** Rows of the trigram index that also hold the unicode61 words (@match), when the query has both kinds. */
const WITH_WORDS = "AND f.rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH @match)";

/**
 * Full-text queries, run on the search thread (sqlite-search.ts). Each walks one index
 * newest first (rowids are num, which grows with seq within a room) and stops at its
 * limit: messages_fts (unicode61) for words, messages_cjk (trigrams) when the query
 * holds Chinese or Japanese words of three or more characters, with the other words
 * then checked on messages_fts.
 */
const SEARCHES = {
  searchRoom: `SELECT ${MESSAGE_COLUMNS} FROM messages_fts f ${ROWS}
    WHERE messages_fts MATCH @match AND f.rowid BETWEEN @from AND @upTo ORDER BY f.rowid DESC LIMIT @limit`,
  searchRoomCjk: `SELECT ${MESSAGE_COLUMNS} FROM messages_cjk f ${ROWS}
    WHERE messages_cjk MATCH @cjk AND f.rowid BETWEEN @from AND @upTo ORDER BY f.rowid DESC LIMIT @limit`,
  searchRoomCjkWords: `SELECT ${MESSAGE_COLUMNS} FROM messages_cjk f ${ROWS}
    WHERE messages_cjk MATCH @cjk AND f.rowid BETWEEN @from AND @upTo ${WITH_WORDS} ORDER BY f.rowid DESC LIMIT @limit`,
  searchRooms: `SELECT ${MESSAGE_COLUMNS}, r.name AS room FROM messages_fts f ${ROWS} JOIN rooms r ON r.id = m.room_id
    WHERE messages_fts MATCH @match ORDER BY f.rowid DESC LIMIT @limit`,
  searchRoomsCjk: `SELECT ${MESSAGE_COLUMNS}, r.name AS room FROM messages_cjk f ${ROWS} JOIN rooms r ON r.id = m.room_id
    WHERE messages_cjk MATCH @cjk ORDER BY f.rowid DESC LIMIT @limit`,
  searchRoomsCjkWords: `SELECT ${MESSAGE_COLUMNS}, r.name AS room FROM messages_cjk f ${ROWS} JOIN rooms r ON r.id = m.room_id
    WHERE messages_cjk MATCH @cjk ${WITH_WORDS} ORDER BY f.rowid DESC LIMIT @limit`,
} as const;

/** What a search looks for, in the two indexes. */
interface SearchQuery {
  /** Every word of the query, folded: what results are highlighted and ranked by. */
  terms: string[];
  /** The words messages_fts (unicode61) looks for. */
  words: string[];
  /** Chinese and Japanese words of three or more characters, as typed: messages_cjk finds them anywhere in a run. */
  substrings: string[];
}

function searchQuery(text: string): SearchQuery {
  const terms = searchTerms(text);
  const substrings = trigramTerms(text);
  // A trigram word is looked for by the trigram index alone: unicode61 would want it at a run's beginning.
  const words = substrings.length > 0 ? terms.filter((term) => !isTrigramWord(term)) : terms;
  return { terms, words, substrings };
}

/** An FTS5 query of the trigram index: each string quoted, so nothing in it is syntax. */
function trigramQuery(substrings: readonly string[]): string {
  return substrings.map((substring) => `"${substring.replaceAll('"', '""')}"`).join(" ");
}

const step = (statement: WriteName, params: unknown[], get = false): WriteStep => ({ statement, params, get });

/** What one message's append runs in the writer's commit (SqliteStore.append; bench/sqlite-writer-cost.ts measures it). */
export function appendSteps(room: string, id: string, draft: MessageDraft): WriteStep[] {
  const clientId = draft.clientId ?? null;
  const steps = [
    step("ensureRoom", [room]),
    step(
      "append",
      [id, draft.username, draft.guest ? 1 : 0, draft.tag ?? null, draft.author ?? null, draft.content, draft.sentAt, clientId, draft.replyTo ?? null, room],
      true,
    ),
  ];
  if (clientId !== null) steps.push(step("byClientId", [room, clientId], true));
  return steps;
}

interface MessageRow {
  seq: number;
  id: string;
  username: string;
  guest: number;
  tag: string | null;
  content: string;
  sent_at: string;
  client_id: string | null;
  edited_at: string | null;
  deleted: number;
  reply_to: number | null;
  reactions: string | null;
  pinned: number;
}

/** A message row with what only the store reads: its author's key and its change count. */
type KeptRow = MessageRow & { author: string | null; version: number };

interface UserRow {
  username: string;
  password_hash: string;
  created_at: string;
  session_version: number | null;
}

export interface SqliteStoreOptions {
  /** The directory holding the database file (DATA_DIR). */
  dir: string;
  logger: Logger;
  /** Where commits run: a worker thread (the default) or this thread. */
  writerThread?: WriterThread;
  /** Start with what is readable even when the data is damaged (RECOVER_READABLE); off by default. */
  recoverReadable?: boolean;
  /**
   * How long start-up waits for the integrity check (0: not at all; Infinity: until it
   * is done). By default a file up to CHECKED_BEFORE_START_BYTES is checked before the
   * store opens, and a larger one while the server runs (see `damaged`).
   */
  integrityBudgetMs?: number;
  /** Awaited before each commit (tests hold commits with it). */
  beforeCommit?: () => Promise<void>;
}

/**
 * Files up to this size are checked before start-up goes on: quick_check reads one in
 * well under a second. A larger file's check would make start-up grow with history
 * (about 10 s for the 2.7 GB of 10,000,000 messages), so it runs beside the server.
 */
const CHECKED_BEFORE_START_BYTES = 64 * 1024 * 1024;

/**
 * Left beside the database by damage a late check found: the next start checks the whole
 * file before it opens, whatever its size, so a damaged file is refused before it
 * serves again, and a restored one (checked sound) opens and loses the mark.
 */
export const DAMAGE_MARK = "livechat.db-damaged";

/** A promise that never settles: no damage to report. */
const NEVER = new Promise<never>(() => {});

/** Opens (creating if need be) the store in `options.dir`. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const started = performance.now();
  await mkdir(options.dir, { recursive: true });
  const lock = await lockDataDir(options.dir);
  try {
    const file = path.join(options.dir, DATABASE_FILE);
    const recoverReadable = options.recoverReadable ?? false;
    const size = await stat(file).then(
      (found) => found.size,
      () => undefined,
    );
    const db = new Database(file);
    let check: IntegrityCheck | undefined;
    try {
      try {
        configure(db);
        // The check reads the file on its own thread while migrations and the import run here.
        check = startIntegrityCheck(size === undefined ? undefined : file);
        // Upgrading a long history takes a while (the search index's rebuild): the log says where start-up went.
        migrate(db, size !== undefined ? (version, ms) => options.logger.info("upgraded the SQLite store's schema", { file, version, ms }) : undefined);
      } catch (error) {
        throw unreadable(file, error);
      }
      await importJournal({ dataDir: options.dir, db, logger: options.logger, recoverReadable });
      const mark = path.join(options.dir, DAMAGE_MARK);
      const marked = await stat(mark).then(
        () => true,
        () => false,
      );
      const budget = marked ? Infinity : (options.integrityBudgetMs ?? ((size ?? 0) <= CHECKED_BEFORE_START_BYTES ? Infinity : 0));
      const problems = await check.within(budget);
      let damaged: Promise<DamagedData> = NEVER;
      if (problems) {
        reportIntegrity(file, problems, options.logger, recoverReadable);
        if (marked && problems.length === 0) await rm(mark, { force: true });
      } else {
        options.logger.info("the integrity check of the SQLite store goes on in the background", { file });
        damaged = check.finished.then((found) => lateDamage(file, mark, found, options.logger, recoverReadable));
      }
      const store = new SqliteStore(db, file, lock, check, damaged, options);
      await store.started();
      options.logger.info("opened the SQLite store", { file, ms: Math.round(performance.now() - started) });
      return store;
    } catch (error) {
      await check?.stop();
      db.close();
      throw error;
    }
  } catch (error) {
    await lock.release();
    throw error;
  }
}

export class SqliteStore implements Store {
  readonly writer: SqliteWriter;
  readonly file: string;
  private readonly db: Connection;
  private readonly lock: DataDirLock;
  private readonly check: IntegrityCheck;
  /**
   * Settles only if the integrity check that finished after start-up found damage (and
   * the operator did not ask for what is readable): the server then stops, saying so,
   * as a start that found it would have.
   */
  readonly damaged: Promise<DamagedData>;
  private closing: Promise<void> | undefined;
  private readonly reads: {
    findUser: Statement<[string], UserRow>;
    recent: Statement<[string, number], MessageRow>;
    before: Statement<[string, number, number], MessageRow>;
    kept: Statement<[string, number], KeptRow>;
    owner: Statement<[string], { owner: string | null }>;
    usernameHolder: Statement<[string], { username: string }>;
    settings: Statement<[string], { settings: string | null }>;
    entries: Statement<[string, string], { entry: string }>;
    audit: Statement<[string, number], { entry: string }>;
    roomId: Statement<[string], { id: number }>;
    lastNumBefore: Statement<[number, number], { num: number }>;
    firstNum: Statement<[number], { num: number }>;
    personRooms: Statement<[string], { room: string; notify: string; seq: number }>;
    hasPersonRoom: Statement<[string, string], { 1: number }>;
    readMarker: Statement<[string, string], { seq: number }>;
    roomsByActivity: Statement<[number], { name: string; last_seq: number; last_at: string }>;
  };
  private readonly search: SqliteSearch;

  constructor(
    db: Connection,
    file: string,
    lock: DataDirLock,
    check: IntegrityCheck,
    damaged: Promise<DamagedData>,
    options: SqliteStoreOptions,
  ) {
    this.db = db;
    this.check = check;
    this.damaged = damaged;
    this.file = file;
    this.lock = lock;
    this.reads = {
      findUser: db.prepare("SELECT username, password_hash, created_at, session_version FROM users WHERE key = ?"),
      recent: db.prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room_id = (SELECT id FROM rooms WHERE name = ?)
         ORDER BY m.seq DESC LIMIT ?`,
      ),
      before: db.prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room_id = (SELECT id FROM rooms WHERE name = ?) AND m.seq < ?
         ORDER BY m.seq DESC LIMIT ?`,
      ),
      kept: db.prepare(
        `SELECT ${MESSAGE_COLUMNS}, m.author, m.version FROM messages m
         WHERE m.room_id = (SELECT id FROM rooms WHERE name = ?) AND m.seq = ?`,
      ),
      owner: db.prepare(WRITES.owner),
      usernameHolder: db.prepare(WRITES.usernameHolder),
      settings: db.prepare("SELECT settings FROM rooms WHERE name = ?"),
      entries: db.prepare("SELECT entry FROM room_entries WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND list = ?"),
      audit: db.prepare("SELECT entry FROM audit WHERE room_id = (SELECT id FROM rooms WHERE name = ?) ORDER BY n DESC LIMIT ?"),
      roomId: db.prepare("SELECT id FROM rooms WHERE name = ?"),
      lastNumBefore: db.prepare("SELECT num FROM messages WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1"),
      firstNum: db.prepare("SELECT num FROM messages WHERE room_id = ? ORDER BY seq LIMIT 1"),
      personRooms: db.prepare(
        `SELECT p.room, p.notify, COALESCE(r.seq, 0) AS seq
         FROM person_rooms p LEFT JOIN read_markers r ON r.person = p.person AND r.room = p.room
         WHERE p.person = ? ORDER BY p.position`,
      ),
      hasPersonRoom: db.prepare("SELECT 1 FROM person_rooms WHERE person = ? AND room = ?"),
      readMarker: db.prepare("SELECT seq FROM read_markers WHERE person = ? AND room = ?"),
      roomsByActivity: db.prepare(
        "SELECT name, last_seq, last_at FROM rooms WHERE last_at IS NOT NULL ORDER BY last_at DESC LIMIT ?",
      ),
    };
    this.search = new SqliteSearch(file, SEARCHES);
    this.writer = new SqliteWriter({
      file,
      statements: WRITES,
      thread: options.writerThread ?? "worker",
      db,
      ...(options.beforeCommit ? { beforeCommit: options.beforeCommit } : {}),
      onFailure: (error) =>
        options.logger.error("the SQLite writer stopped: nothing more is acknowledged until the server restarts", {
          file,
          error: error.message,
        }),
    });
  }

  /** Resolves once the writer and search threads have opened the database. */
  async started(): Promise<void> {
    await Promise.all([this.writer.started(), this.search.started()]);
  }

  async createUser(user: UserRecord): Promise<boolean> {
    const [changes] = await this.writer.write([
      step("createUser", [user.username.toLowerCase(), user.username, user.passwordHash, user.createdAt, user.sessionVersion ?? null]),
    ]);
    return changes === 1;
  }

  async findUser(username: string): Promise<UserRecord | undefined> {
    const row = this.reads.findUser.get(username.toLowerCase());
    if (!row) return undefined;
    const user: UserRecord = { username: row.username, passwordHash: row.password_hash, createdAt: row.created_at };
    if (row.session_version !== null) user.sessionVersion = row.session_version;
    return user;
  }

  async bumpSessionVersion(username: string): Promise<number | undefined> {
    const [row] = await this.writer.write([step("bumpSessionVersion", [username.toLowerCase()], true)]);
    return (row as { version: number } | undefined)?.version;
  }

  async claimUsername(skeleton: string, username: string): Promise<string> {
    const [, holder] = await this.writer.write([
      step("claimUsername", [skeleton, username]),
      step("usernameHolder", [skeleton], true),
    ]);
    return (holder as { username: string }).username;
  }

  async usernameHolder(skeleton: string): Promise<string | undefined> {
    return this.reads.usernameHolder.get(skeleton)?.username;
  }

  async append(room: string, draft: MessageDraft): Promise<AppendResult> {
    const id = randomUUID();
    const [, inserted, existing] = await this.writer.write(appendSteps(room, id, draft));
    if (inserted) return { message: toMessage(room, { seq: (inserted as { seq: number }).seq, id, ...row(draft) }), created: true };
    return { message: toMessage(room, existing as MessageRow), created: false };
  }

  async recent(room: string, limit: number): Promise<Message[]> {
    return this.reads.recent.all(room, limit).reverse().map((found) => toMessage(room, found));
  }

  async before(room: string, beforeSeq: number, limit: number): Promise<Message[]> {
    return this.reads.before.all(room, beforeSeq, limit).reverse().map((found) => toMessage(room, found));
  }

  /**
   * Reads the message, applies the change (message-change.ts) and writes it back only if
   * no other change came in between (its version), retrying otherwise. The UPDATE's
   * triggers re-index the content: a tombstone's old words leave the index, and a delete
   * scrubs the WAL after its commit (sqlite-batch.mjs), so the file keeps no copy.
   */
  async updateMessage(room: string, seq: number, change: MessageChange): Promise<Message> {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      const found = Number.isSafeInteger(seq) && seq >= 1 ? this.reads.kept.get(room, seq) : undefined;
      if (!found) throw noSuchMessage(room, seq);
      const kept = toKept(room, found);
      const changed = applyChange(kept, change);
      if (changed === kept) return wireMessage(kept);
      const params = [
        changed.content,
        changed.editedAt ?? null,
        changed.deleted ? 1 : 0,
        changed.reactions ? JSON.stringify(changed.reactions) : null,
        changed.pinned ? 1 : 0,
        changed.replyTo ?? null,
        room,
        seq,
        found.version,
      ];
      const [written] = await this.writer.write([{ ...step("updateMessage", params), ...(changed.deleted ? { scrub: true } : {}) }]);
      if (written === 1) return wireMessage(changed);
    }
    throw new ChatError("room_unavailable", `Message ${seq} of room "${room}" is changing too often; please try again.`);
  }

  async searchRoom(room: string, text: string, options: RoomSearch): Promise<Message[]> {
    const { terms, words, substrings } = searchQuery(text);
    const roomId = this.reads.roomId.get(room)?.id;
    if ((words.length === 0 && substrings.length === 0) || roomId === undefined) return [];
    let upTo = Number.MAX_SAFE_INTEGER;
    if (options.before !== undefined) {
      const last = this.reads.lastNumBefore.get(roomId, options.before);
      if (!last) return [];
      upTo = last.num;
    }
    // The room's messages lie between its first num and upTo: the index skips the rest of a common word's matches.
    const from = this.reads.firstNum.get(roomId)?.num;
    if (from === undefined) return [];
    const match = `room : r${roomId}${words.length > 0 ? ` AND content : (${ftsQuery(words)})` : ""}`;
    const range = { from, upTo, limit: options.limit };
    const rows =
      substrings.length === 0
        ? await this.search.all<MessageRow>("searchRoom", { match, ...range })
        : await this.search.all<MessageRow>(words.length > 0 ? "searchRoomCjkWords" : "searchRoomCjk", {
            cjk: `room : "<${roomId}>" AND content : (${trigramQuery(substrings)})`,
            ...(words.length > 0 ? { match } : {}),
            ...range,
          });
    return rows.map((found) => withHighlight(toMessage(room, found), terms));
  }

  /** Best first (search-text.ts's bestFirst, as every store ranks) among the newest RANKED_MATCHES matches. */
  async searchRooms(text: string, options: RoomsSearch): Promise<Message[]> {
    const { terms, words, substrings } = searchQuery(text);
    if (words.length === 0 && substrings.length === 0) return [];
    let rooms: number[] | undefined;
    if (options.rooms) {
      rooms = options.rooms.flatMap((room) => this.reads.roomId.get(room)?.id ?? []);
      if (rooms.length === 0) return [];
    }
    const clauses = (room: (id: number) => string, query: string) =>
      rooms ? `room : (${rooms.map(room).join(" OR ")}) AND content : (${query})` : `content : (${query})`;
    const limit = { limit: Math.max(RANKED_MATCHES, options.limit) };
    type Found = MessageRow & { room: string };
    let rows: Found[];
    if (substrings.length === 0) {
      rows = await this.search.all<Found>("searchRooms", { match: clauses((id) => `r${id}`, ftsQuery(words)), ...limit });
    } else {
      const cjk = clauses((id) => `"<${id}>"`, trigramQuery(substrings));
      rows =
        words.length > 0
          ? await this.search.all<Found>("searchRoomsCjkWords", { cjk, match: `content : (${ftsQuery(words)})`, ...limit })
          : await this.search.all<Found>("searchRoomsCjk", { cjk, ...limit });
    }
    return bestFirst(
      rows.map((found) => toMessage(found.room, found)),
      terms,
      options.limit,
    );
  }

  async claimOwner(room: string, username: string): Promise<string> {
    const [, , found] = await this.writer.write([
      step("ensureRoom", [room]),
      step("claimOwner", [username, room]),
      step("owner", [room], true),
    ]);
    return (found as { owner: string }).owner;
  }

  async owner(room: string): Promise<string | undefined> {
    return this.reads.owner.get(room)?.owner ?? undefined;
  }

  async roomSettings(room: string): Promise<RoomSettingsRecord | undefined> {
    const settings = this.reads.settings.get(room)?.settings;
    return settings ? (JSON.parse(settings) as RoomSettingsRecord) : undefined;
  }

  async saveRoomSettings(room: string, settings: RoomSettingsRecord): Promise<void> {
    await this.writer.write([step("ensureRoom", [room]), step("saveSettings", [JSON.stringify(settings), room])]);
  }

  async putRoomEntry(room: string, list: RoomList, entry: RoomEntry): Promise<void> {
    await this.writer.write([step("ensureRoom", [room]), step("putEntry", [list, entry.key, JSON.stringify(entry), room])]);
  }

  async removeRoomEntry(room: string, list: RoomList, key: string): Promise<boolean> {
    const [changes] = await this.writer.write([step("removeEntry", [room, list, key])]);
    return changes === 1;
  }

  async roomEntries(room: string, list: RoomList): Promise<RoomEntry[]> {
    return this.reads.entries.all(room, list).map((found) => JSON.parse(found.entry) as RoomEntry);
  }

  async appendAudit(room: string, entry: AuditEntry): Promise<void> {
    await this.writer.write([
      step("ensureRoom", [room]),
      step("appendAudit", [JSON.stringify(entry), room]),
      step("trimAudit", [room, room]),
    ]);
  }

  async audit(room: string, limit: number): Promise<AuditEntry[]> {
    return this.reads.audit.all(room, limit).map((found) => JSON.parse(found.entry) as AuditEntry);
  }

  async personRooms(person: string): Promise<PersonRoom[]> {
    return this.reads.personRooms
      .all(person)
      .map((found) => ({ room: found.room, notify: found.notify === "all" ? "all" : "mentions", lastReadSeq: found.seq }));
  }

  async hasPersonRoom(person: string, room: string): Promise<boolean> {
    return this.reads.hasPersonRoom.get(person, room) !== undefined;
  }

  async savePersonRoom(person: string, room: string, notify?: NotifyLevel): Promise<void> {
    const level = notify ?? null;
    await this.writer.write([step("savePersonRoom", [person, room, person, level, level])]);
  }

  async removePersonRoom(person: string, room: string): Promise<void> {
    await this.writer.write([step("removePersonRoom", [person, room])]);
  }

  async markRead(person: string, room: string, seq: number): Promise<number> {
    const [kept] = await this.writer.write([step("markRead", [person, room, seq], true)]);
    return (kept as { seq: number }).seq;
  }

  async readMarkers(person: string, rooms: string[]): Promise<Map<string, number>> {
    return new Map(rooms.map((room) => [room, this.reads.readMarker.get(person, room)?.seq ?? 0]));
  }

  async roomsByActivity(limit: number): Promise<RoomActivity[]> {
    return this.reads.roomsByActivity.all(limit).map((found) => ({ room: found.name, seq: found.last_seq, lastActivity: found.last_at }));
  }

  async deleteRoom(room: string): Promise<void> {
    await this.writer.write([
      step("deleteMessages", [room]),
      step("deleteEntries", [room]),
      step("deleteAudit", [room]),
      step("deleteRoom", [room]),
    ]);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.check.stop();
      await this.search.close();
      await this.writer.close();
      this.db.close();
      await this.lock.release();
    })();
    return this.closing;
  }
}

/** Damage found at start-up stops it, unless the operator asked to start with what is readable. */
function reportIntegrity(file: string, problems: string[], logger: Logger, recoverReadable: boolean): void {
  if (problems.length === 0) return;
  if (!recoverReadable) throw new DamagedData(damageSentence(file, problems));
  logger.error("RECOVER_READABLE: starting on a damaged SQLite store; what sits in damaged pages may fail to read or be missing", {
    file,
    problems,
  });
}

/** Damage found by a check that finished after start-up: the same rule, told through `damaged`. */
async function lateDamage(file: string, mark: string, problems: string[], logger: Logger, recoverReadable: boolean): Promise<DamagedData> {
  if (problems.length === 0) return NEVER;
  if (recoverReadable) {
    reportIntegrity(file, problems, logger, true);
    return NEVER;
  }
  const sentence = `${damageSentence(file, problems)} (found by the integrity check that finished after start-up)`;
  logger.error(sentence, { problems });
  await writeFile(mark, `${sentence}\n`).catch(() => {});
  return new DamagedData(sentence);
}

function damageSentence(file: string, problems: string[]): string {
  return (
    `The SQLite store ${file} is damaged (${problems[0]}${problems.length > 1 ? `, and ${problems.length - 1} more problems` : ""}). ` +
    `Stop the server and restore the file from a backup (see docs/operations.md), or start with RECOVER_READABLE=true ` +
    `to serve what is readable; \`sqlite3 ${file} .recover\` can copy out what is readable into a new database.`
  );
}

/** Opening failed: a file that is not a database, or damaged where every start reads, is said so. */
function unreadable(file: string, error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") return new DamagedData(damageSentence(file, [String((error as Error).message)]));
  return error as Error;
}

function row(draft: MessageDraft): Omit<MessageRow, "seq" | "id"> {
  return {
    username: draft.username,
    guest: draft.guest ? 1 : 0,
    tag: draft.tag ?? null,
    content: draft.content,
    sent_at: draft.sentAt,
    client_id: draft.clientId ?? null,
    edited_at: null,
    deleted: 0,
    reply_to: draft.replyTo ?? null,
    reactions: null,
    pinned: 0,
  };
}

function toMessage(room: string, found: MessageRow): Message {
  const message: Message = {
    id: found.id,
    room,
    seq: found.seq,
    username: found.username,
    guest: found.guest === 1,
    content: found.content,
    sentAt: found.sent_at,
  };
  if (found.tag !== null) message.tag = found.tag;
  if (found.client_id !== null) message.clientId = found.client_id;
  if (found.edited_at !== null) message.editedAt = found.edited_at;
  if (found.deleted === 1) message.deleted = true;
  if (found.reply_to !== null) message.replyTo = found.reply_to;
  if (found.reactions !== null) Object.assign(message, wireReactions(JSON.parse(found.reactions) as KeptReaction[]));
  if (found.pinned === 1) message.pinned = true;
  return message;
}

/** The message as the store keeps it: with its author's key and the reactors' keys. */
function toKept(room: string, found: KeptRow): KeptMessage {
  const { reactions: _reactions, reactionTags: _reactionTags, ...message } = toMessage(room, found);
  const kept: KeptMessage = message;
  if (found.author !== null) kept.author = found.author;
  if (found.reactions !== null) kept.reactions = JSON.parse(found.reactions) as KeptReaction[];
  return kept;
}
