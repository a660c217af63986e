// Upgrades keep data: a DATA_DIR written by the journal of earlier versions
// (DATA_DIR/journal: snapshot-N.bin and journal-N.log, framed as frames.ts reads
// them, records as records.ts describes) is copied into the SQLite database on the
// first start, in one transaction, and the directory is then renamed aside
// (journal.imported-<time>), never deleted.
//
// Damage is loud: a torn last record of the newest journal is what a crash
// mid-write leaves and is skipped with a warning, as the journal itself did; damage
// anywhere else stops start-up with a sentence saying what is damaged and how to
// recover, unless the operator starts with RECOVER_READABLE=true, which imports
// every record before the damage and keeps the damaged file aside with the rest.
import { readdir, rename } from "node:fs/promises";
import path from "node:path";
import type { Database, Statement } from "better-sqlite3";
import type { Logger } from "../logger";
import { DamagedData } from "./damaged-data";
import { lockDataDir } from "./data-dir-lock";
import { readFrames, type FramesRead } from "./frames";
import { LEGACY_USERNAME_OWNER_PREFIX, type SnapshotMessage, type SnapshotRecord, type StoreRecord } from "./records";

export const JOURNAL_DIR = "journal";
const IMPORT_SOURCE = "journal";

export interface JournalImportOptions {
  /** DATA_DIR: the journal is its `journal` directory. */
  dataDir: string;
  db: Database;
  logger: Logger;
  /** Import what is readable even when the journal is damaged (RECOVER_READABLE). */
  recoverReadable: boolean;
}

export interface ImportFigures {
  /** Records read from the journal's files. */
  records: number;
  /** What the database holds afterwards. */
  users: number;
  rooms: number;
  messages: number;
  ms: number;
}

interface Source {
  file: string;
  kind: "snapshot" | "journal";
  /** The newest journal: the only file a crash can have left torn. */
  newest: boolean;
}

/** Imports DATA_DIR/journal into `db` if it is there; answers the figures, or undefined when there was none. */
export async function importJournal(options: JournalImportOptions): Promise<ImportFigures | undefined> {
  const dir = path.join(options.dataDir, JOURNAL_DIR);
  const files = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!files) return undefined;
  const started = performance.now();
  // A server of an earlier version may still be running on this DATA_DIR.
  const lock = await lockDataDir(dir);
  let figures: ImportFigures | undefined;
  try {
    const done = options.db.prepare("SELECT records FROM imports WHERE source = ?").get(IMPORT_SOURCE) as
      | { records: number }
      | undefined;
    if (!done) figures = { ...(await copyInto(options, dir, files)), ms: Math.round(performance.now() - started) };
  } finally {
    await lock.release();
  }
  const aside = path.join(options.dataDir, `${JOURNAL_DIR}.imported-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  await rename(dir, aside);
  if (figures) {
    options.logger.info("imported the journal of an earlier version into SQLite; its files are kept aside", { ...figures, keptAt: aside });
  } else {
    options.logger.info("the journal was imported before; its files are now kept aside", { keptAt: aside });
  }
  return figures;
}

async function copyInto(options: JournalImportOptions, dir: string, files: string[]): Promise<Omit<ImportFigures, "ms">> {
  const numbered = (pattern: RegExp) =>
    files
      .map((name) => pattern.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  const base = numbered(/^snapshot-(\d+)\.bin$/).at(-1) ?? 0;
  const journals = numbered(/^journal-(\d+)\.log$/).filter((n) => n >= base);
  const sources: Source[] = [
    ...(base > 0 ? [{ file: path.join(dir, `snapshot-${base}.bin`), kind: "snapshot" as const, newest: false }] : []),
    ...journals.map((n, i) => ({ file: path.join(dir, `journal-${n}.log`), kind: "journal" as const, newest: i === journals.length - 1 })),
  ];

  const { db } = options;
  const writer = new ImportWriter(db);
  // One transaction, begun by hand so the files can be read between statements:
  // nothing else uses the connection before the store opens.
  db.exec("BEGIN IMMEDIATE");
  try {
    for (const source of sources) {
      const read = await readSource(source, writer);
      if (read.problem) reportDamage(source, read, options);
    }
    db.prepare("INSERT INTO imports (source, imported_at, records) VALUES (?, ?, ?)").run(
      IMPORT_SOURCE,
      new Date().toISOString(),
      writer.records,
    );
    db.exec("COMMIT");
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw error;
  }
  const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { records: writer.records, users: count("users"), rooms: count("rooms"), messages: count("messages") };
}

async function readSource(source: Source, writer: ImportWriter): Promise<FramesRead> {
  if (source.kind === "journal") return readFrames(source.file, (payload) => writer.apply(parse(payload) as StoreRecord));
  let ended = false;
  let announced: { room: string; from: number } | undefined;
  const read = await readFrames(source.file, (payload) => {
    if (announced) {
      writer.chunk(announced.room, announced.from, parse(payload) as SnapshotMessage[]);
      announced = undefined;
      return;
    }
    const record = parse(payload) as SnapshotRecord;
    if (record.t === "messages") announced = record;
    else {
      if (record.t === "end") ended = true;
      writer.apply(record);
    }
  });
  if (!read.problem && !ended) return { ...read, problem: "no end record (the snapshot was never finished)", tornTail: false };
  return read;
}

/** A crash's mark is warned about; other damage stops start-up unless the operator asked for what is readable. */
function reportDamage(source: Source, read: FramesRead, options: JournalImportOptions): void {
  const fields = { file: source.file, problem: read.problem, keptRecords: read.records, skippedBytes: read.size - read.validBytes };
  if (source.newest && read.tornTail) {
    options.logger.warn(
      "the journal ended in a torn record, as a crash mid-write leaves it; the import kept every whole record before it",
      fields,
    );
    return;
  }
  if (options.recoverReadable) {
    options.logger.error("RECOVER_READABLE: importing what is readable of a damaged journal; every record after the damage is left out", fields);
    return;
  }
  throw new DamagedData(
    `The old journal ${source.file} is damaged (${read.problem}, with ${read.size - read.validBytes} bytes after it that ` +
      `cannot be trusted), which is not what a crash leaves; nothing was imported and DATA_DIR is unchanged. Restore ` +
      `DATA_DIR from a backup (or from the copy you kept), or start with RECOVER_READABLE=true to import the ` +
      `${read.records} whole records before the damage of this file (the files stay kept aside).`,
  );
}

function parse(payload: Buffer): unknown {
  return JSON.parse(payload.toString("utf8"));
}

/** Applies journal and snapshot records to the SQLite tables, in the journal's order. */
class ImportWriter {
  records = 0;
  private readonly roomIds = new Map<string, number>();
  /** The next message's num (the search index's rowid): in the journal's order, which is the order of storing. */
  private nextNum: number;
  private readonly statements: Record<
    "user" | "session" | "username" | "room" | "owner" | "message" | "deleteMessages" | "deleteRoom",
    Statement
  >;

  constructor(db: Database) {
    this.statements = {
      user: db.prepare(
        `INSERT INTO users (key, username, password_hash, created_at, session_version) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET session_version = excluded.session_version`,
      ),
      session: db.prepare("UPDATE users SET session_version = ? WHERE key = ?"),
      username: db.prepare("INSERT INTO usernames (skeleton, username) VALUES (?, ?) ON CONFLICT (skeleton) DO NOTHING"),
      room: db.prepare("INSERT INTO rooms (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = name RETURNING id"),
      owner: db.prepare("UPDATE rooms SET owner = ? WHERE id = ?"),
      message: db.prepare(
        `INSERT INTO messages (room_id, seq, num, id, username, guest, tag, author, content, sent_at, client_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteMessages: db.prepare("DELETE FROM messages WHERE room_id = ?"),
      deleteRoom: db.prepare("DELETE FROM rooms WHERE id = ?"),
    };
    this.nextNum = (db.prepare("SELECT COALESCE(MAX(num), 0) + 1 AS next FROM messages").get() as { next: number }).next;
  }

  apply(record: StoreRecord): void {
    this.records += 1;
    switch (record.t) {
      case "user":
        this.user(record.user.username, record.user.passwordHash, record.user.createdAt, record.user.sessionVersion);
        return;
      case "users":
        for (const user of record.users) this.user(user.username, user.passwordHash, user.createdAt, user.sessionVersion);
        return;
      case "session":
        this.statements.session.run(record.version, record.username.toLowerCase());
        return;
      case "message": {
        const { room, seq, ...stored } = record.message;
        this.message(room, seq, stored);
        return;
      }
      case "owner":
        // Earlier still, username claims were owner records of a room no name can be.
        if (record.room.startsWith(LEGACY_USERNAME_OWNER_PREFIX)) {
          this.statements.username.run(record.room.slice(LEGACY_USERNAME_OWNER_PREFIX.length), record.username);
        } else {
          this.statements.owner.run(record.username, this.roomId(record.room));
        }
        return;
      case "username":
        this.statements.username.run(record.skeleton, record.username);
        return;
      case "usernames":
        for (const { skeleton, username } of record.claims) this.statements.username.run(skeleton, username);
        return;
      case "deleteRoom": {
        const id = this.roomId(record.room);
        this.statements.deleteMessages.run(id);
        this.statements.deleteRoom.run(id);
        this.roomIds.delete(record.room);
        return;
      }
      case "end":
        return;
      default: {
        const unknown: never = record;
        throw new Error(`Unknown journal record ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** A snapshot's chunk of a room's history: messages from seq `from` on. */
  chunk(room: string, from: number, messages: SnapshotMessage[]): void {
    this.records += 1;
    messages.forEach((stored, i) => this.message(room, from + i, stored));
  }

  private user(username: string, passwordHash: string, createdAt: string, sessionVersion: number | undefined): void {
    this.statements.user.run(username.toLowerCase(), username, passwordHash, createdAt, sessionVersion ?? null);
  }

  private message(room: string, seq: number, stored: SnapshotMessage): void {
    this.statements.message.run(
      this.roomId(room),
      seq,
      this.nextNum++,
      stored.id,
      stored.username,
      stored.guest ? 1 : 0,
      stored.tag ?? null,
      stored.author ?? null,
      stored.content,
      stored.sentAt,
      stored.clientId ?? null,
    );
  }

  private roomId(room: string): number {
    let id = this.roomIds.get(room);
    if (id === undefined) {
      id = (this.statements.room.get(room) as { id: number }).id;
      this.roomIds.set(room, id);
    }
    return id;
  }
}
