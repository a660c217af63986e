// Durability for the embedded store: a directory of numbered snapshots and journals.
//
//   snapshot-N.bin  the tables as they were when journal-N.log began (absent for N = 0)
//   journal-N.log   every mutation after that, appended with group commit
//
// Start-up loads the newest snapshot and replays the journals from its number on.
// Once the journal has grown past a quarter of the last snapshot's size (and past
// COMPACT_MIN_BYTES), writes move to journal-N+1 and snapshot-N+1 is written beside
// them while the store keeps serving; then the older files go. So start-up reads the
// live data once in the snapshot's compact form plus at most a quarter of it again
// as journal, however long the history behind it, and each byte of history is
// rewritten about five times over its life (a geometric series).
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import { encodeFrame, encodeRawFrame, readFrames } from "./frames";
import { Journal, openAppendable, syncDirectory, type JournalOptions } from "./journal";
import { MemoryStore } from "./memory";
import type { KeptMessage } from "./store";
import type { Durability, JournalRecord, SnapshotRecord, SnapshotMessage, StoreImage, StoreRecord } from "./records";

const COMPACT_MIN_BYTES = 64 * 1024 * 1024;
const LOCK = "LOCK";
const MESSAGES_PER_SNAPSHOT_RECORD = 2000;
const USERS_PER_SNAPSHOT_RECORD = 2000;
const SNAPSHOT_WRITE_BYTES = 1024 * 1024;

export interface JournaledStoreOptions extends JournalOptions {
  dir: string;
  logger: Logger;
  /** The journal is compacted once it holds more than this and more than the last snapshot. */
  compactMinBytes?: number;
}

export interface ReplayFigures {
  snapshotRecords: number;
  journalRecords: number;
  ms: number;
}

const journalFile = (dir: string, n: number) => path.join(dir, `journal-${n}.log`);
const snapshotFile = (dir: string, n: number) => path.join(dir, `snapshot-${n}.bin`);

/** Opens (creating if need be) the store kept in `dir`, replaying what it holds. */
export async function openJournaledStore(options: JournaledStoreOptions): Promise<JournaledStore> {
  const storage = new JournaledStorage(options);
  const store = new JournaledStore(storage);
  await storage.load(store);
  return store;
}

export class JournaledStore extends MemoryStore {
  constructor(readonly storage: JournaledStorage) {
    super(storage);
  }

  /** Compacts now (tests and benchmarks); normally the journal's growth decides. */
  compact(): Promise<void> {
    return this.storage.compact();
  }
}

class JournaledStorage implements Durability {
  private readonly options: JournaledStoreOptions;
  private readonly dir: string;
  private journal!: Journal;
  private store!: MemoryStore;
  private generation = 0;
  private snapshotBytes = 0;
  private compacting: Promise<void> | undefined;
  private failureReported = false;
  replay: ReplayFigures = { snapshotRecords: 0, journalRecords: 0, ms: 0 };

  constructor(options: JournaledStoreOptions) {
    this.options = options;
    this.dir = options.dir;
  }

  get journalBytes(): number {
    return this.journal.bytes;
  }

  get flushes(): number {
    return this.journal.flushes;
  }

  async load(store: MemoryStore): Promise<void> {
    const started = performance.now();
    this.store = store;
    await mkdir(this.dir, { recursive: true });
    await this.takeLock();
    const files = await readdir(this.dir);
    for (const name of files.filter((file) => file.endsWith(".tmp"))) await rm(path.join(this.dir, name));
    const numbered = (prefix: string, suffix: string) =>
      files
        .map((name) => new RegExp(`^${prefix}-(\\d+)\\.${suffix}$`).exec(name)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
    const snapshots = numbered("snapshot", "bin");
    const journals = numbered("journal", "log");
    const base = snapshots.at(-1) ?? 0;

    if (base > 0) {
      const file = snapshotFile(this.dir, base);
      let end: SnapshotRecord | undefined;
      let announced: { room: string; from: number; count: number } | undefined;
      const read = await readFrames(file, (payload) => {
        if (announced) {
          store.restoreChunk(announced.room, { from: announced.from, count: announced.count, payload });
          announced = undefined;
          return;
        }
        const record = parseRecord(payload) as SnapshotRecord;
        if (record.t === "messages") announced = record;
        else {
          if (record.t === "end") end = record;
          store.restore(record);
        }
      });
      if (read.problem || !end) {
        throw new Error(`The snapshot ${file} is damaged (${read.problem ?? "it has no end record"}); restore DATA_DIR from a backup.`);
      }
      this.snapshotBytes = read.size;
      this.replay.snapshotRecords = read.records;
    }
    const live = journals.filter((n) => n >= base);
    for (const n of live) this.replay.journalRecords += await this.replayJournal(journalFile(this.dir, n), store);
    for (const n of snapshots.filter((s) => s < base)) await rm(snapshotFile(this.dir, n));
    for (const n of journals.filter((j) => j < base)) await rm(journalFile(this.dir, n));

    this.generation = live.at(-1) ?? base;
    this.journal = await Journal.open(journalFile(this.dir, this.generation), this.options);
    this.replay.ms = performance.now() - started;
    this.options.logger.info("store replayed from DATA_DIR", {
      dir: this.dir,
      ...store.size,
      snapshotRecords: this.replay.snapshotRecords,
      journalRecords: this.replay.journalRecords,
      ms: Math.round(this.replay.ms),
    });
  }

  record(record: JournalRecord): Promise<void> {
    const done = this.journal.write(record);
    done.catch((error: unknown) => this.reportFailure(error));
    const limit = Math.max(this.options.compactMinBytes ?? COMPACT_MIN_BYTES, this.snapshotBytes / 4);
    if (!this.compacting && this.journal.bytes > limit) this.startCompaction();
    return done;
  }

  settled(): Promise<void> {
    return this.journal.settled();
  }

  private reportFailure(error: unknown): void {
    if (this.failureReported) return;
    this.failureReported = true;
    this.options.logger.error("the journal could not be written: nothing more is acknowledged until the server restarts", {
      dir: this.dir,
      error: String(error),
    });
  }

  async close(): Promise<void> {
    await this.compacting;
    await this.journal.close();
    await rm(path.join(this.dir, LOCK), { force: true });
  }

  /**
   * Two processes appending to one journal would interleave records, and one replaying
   * while the other writes could cut off the other's last record: one process per
   * directory. A lock left by a killed process (its pid no longer running) is taken over.
   */
  private async takeLock(): Promise<void> {
    const file = path.join(this.dir, LOCK);
    for (;;) {
      try {
        await writeFile(file, `${process.pid}\n`, { flag: "wx" });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = Number((await readFile(file, "utf8").catch(() => "")).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new Error(
          `${this.dir} is in use by process ${holder}: two servers cannot share one DATA_DIR. Give each its own DATA_DIR, or stop that process (remove ${file} if no such process is a Livechat server).`,
        );
      }
      await rm(file, { force: true });
    }
  }

  /** Moves writes to a new journal and snapshots the tables as they were at that instant. */
  async compact(): Promise<void> {
    // One already running may have taken its image before this call's writes.
    while (this.compacting) await this.compacting;
    this.startCompaction();
    await this.compacting;
  }

  private startCompaction(): void {
    this.compacting = this.runCompaction().finally(() => (this.compacting = undefined));
  }

  private async runCompaction(): Promise<void> {
    const started = performance.now();
    const next = this.generation + 1;
    try {
      const { handle } = await openAppendable(journalFile(this.dir, next));
      // Same turn: the image holds exactly the records that go to the old journal.
      const image = this.store.capture();
      await this.journal.rotate(handle);
      this.snapshotBytes = await writeSnapshot(snapshotFile(this.dir, next), image);
      const previous = this.generation;
      this.generation = next;
      await rm(journalFile(this.dir, previous), { force: true });
      await rm(snapshotFile(this.dir, previous), { force: true });
      await syncDirectory(this.dir);
      this.options.logger.info("journal compacted into a snapshot", {
        snapshot: snapshotFile(this.dir, next),
        bytes: this.snapshotBytes,
        ms: Math.round(performance.now() - started),
      });
    } catch (error) {
      this.options.logger.error("journal compaction failed; the journal keeps growing and nothing is lost", {
        error: String(error),
      });
    }
  }

  /** Replays one journal; a damaged tail (a write cut short by a crash) is set aside with a warning. */
  private async replayJournal(file: string, store: MemoryStore): Promise<number> {
    const read = await readFrames(file, (payload) => store.restore(parseRecord(payload) as StoreRecord));
    if (read.problem) {
      const aside = `${file}.damaged-${Date.now()}`;
      await copyFile(file, aside);
      await truncate(file, read.validBytes);
      const handle = await open(file, "r+");
      await handle.sync().finally(() => handle.close());
      this.options.logger.warn(
        "the journal ended in a damaged record, as a crash mid-write leaves it; replay kept every whole record before it and skipped the rest",
        { file, problem: read.problem, skippedBytes: read.size - read.validBytes, keptRecords: read.records, copy: aside },
      );
    }
    return read.records;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parseRecord(payload: Buffer): unknown {
  return JSON.parse(payload.toString("utf8"));
}

function toStored(message: KeptMessage): SnapshotMessage {
  const stored: Partial<KeptMessage> = { ...message };
  delete stored.room;
  delete stored.seq;
  return stored as SnapshotMessage;
}

/** Writes the image to `file` atomically (temp file, fsync, rename, fsync the directory); returns its size. */
async function writeSnapshot(file: string, image: StoreImage): Promise<number> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, "w");
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let messages = 0;
  const put = async (record: SnapshotRecord | Buffer) => {
    const frame = Buffer.isBuffer(record) ? encodeRawFrame(record) : encodeFrame(record);
    pending.push(frame);
    pendingBytes += frame.length;
    if (pendingBytes >= SNAPSHOT_WRITE_BYTES) await drain();
  };
  const drain = async () => {
    const bytes = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset)).bytesWritten;
  };
  try {
    for (let i = 0; i < image.users.length; i += USERS_PER_SNAPSHOT_RECORD) {
      await put({ t: "users", users: image.users.slice(i, i + USERS_PER_SNAPSHOT_RECORD) });
    }
    for (let i = 0; i < image.usernames.length; i += USERS_PER_SNAPSHOT_RECORD) {
      await put({ t: "usernames", claims: image.usernames.slice(i, i + USERS_PER_SNAPSHOT_RECORD) });
    }
    for (const room of image.rooms) {
      if (room.owner !== undefined) await put({ t: "owner", room: room.name, username: room.owner });
      for (const chunk of room.unread ?? []) {
        await put({ t: "messages", room: room.name, from: chunk.from, count: chunk.count });
        await put(chunk.payload);
        messages += chunk.count;
      }
      for (let from = 0; from < room.count; from += MESSAGES_PER_SNAPSHOT_RECORD) {
        const slice = room.messages.slice(from, Math.min(room.count, from + MESSAGES_PER_SNAPSHOT_RECORD));
        await put({ t: "messages", room: room.name, from: from + 1, count: slice.length });
        await put(Buffer.from(JSON.stringify(slice.map(toStored)), "utf8"));
      }
      messages += room.count;
    }
    await put({ t: "end", users: image.users.length, rooms: image.rooms.length, messages });
    await drain();
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  await syncDirectory(path.dirname(file));
  return (await stat(file)).size;
}
