// The journal writer: an append-only file of framed records with group commit.
// Records handed over while a flush runs wait for the next one, so many records
// cost one write and one fsync; a record's promise resolves only after the fsync
// that covers it. After a failed write or fsync nothing more is accepted: what
// reached the disk is unknown, and only a restart (replaying the file) knows.
import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { encodeFrame } from "./frames";

export interface JournalOptions {
  /** Makes written bytes durable; fdatasync by default. Tests wrap it to watch the ordering. */
  sync?: (handle: FileHandle) => Promise<void>;
}

interface Pending {
  frame: Buffer;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Rotation {
  next: FileHandle;
  resolve: () => void;
  reject: (error: unknown) => void;
}

class JournalFailed extends Error {
  constructor(cause: unknown) {
    super(`The journal could not be written (${String(cause)}); restart the server to replay it.`);
    this.name = "JournalFailed";
  }
}

/** Opens `file` for appending, creating it (and making its directory entry durable) if needed. */
export async function openAppendable(file: string): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(file, "a");
  const { size } = await handle.stat();
  if (size === 0) await syncDirectory(path.dirname(file));
  return { handle, size };
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class Journal {
  private handle: FileHandle;
  private readonly sync: (handle: FileHandle) => Promise<void>;
  private queue: Array<Pending | Rotation> = [];
  private flushing = false;
  private failure: JournalFailed | undefined;
  private last: Promise<void> = Promise.resolve();
  private fileBytes: number;
  /** Flushes done (one write plus one fsync each), for figures and tests. */
  flushes = 0;
  /** Records made durable. */
  written = 0;

  constructor(handle: FileHandle, size: number, options: JournalOptions = {}) {
    this.handle = handle;
    this.fileBytes = size;
    this.sync = options.sync ?? ((file) => file.datasync());
  }

  static async open(file: string, options: JournalOptions = {}): Promise<Journal> {
    const { handle, size } = await openAppendable(file);
    return new Journal(handle, size, options);
  }

  /** Bytes in the current file, counting only what has been flushed. */
  get bytes(): number {
    return this.fileBytes;
  }

  write(record: unknown): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const frame = encodeFrame(record);
    const done = new Promise<void>((resolve, reject) => this.queue.push({ frame, resolve, reject }));
    this.last = done;
    this.schedule();
    return done;
  }

  /** Resolves once everything written so far is durable. */
  settled(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.last;
  }

  /**
   * Sends every record written after this call to `next` (an empty file opened with
   * openAppendable); records written before it still go to the current file. Resolves
   * once the current file is flushed and closed.
   */
  rotate(next: FileHandle): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const done = new Promise<void>((resolve, reject) => this.queue.push({ next, resolve, reject }));
    this.last = done;
    this.schedule();
    return done;
  }

  async close(): Promise<void> {
    await this.settled().catch(() => undefined);
    await this.handle.close();
  }

  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    // One turn of the event loop lets every record of this turn join the batch.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      const first = this.queue[0]!;
      if ("next" in first) {
        this.queue.shift();
        await this.switchTo(first);
        continue;
      }
      const end = this.queue.findIndex((item) => "next" in item);
      const batch = this.queue.splice(0, end === -1 ? this.queue.length : end) as Pending[];
      try {
        await this.writeAll(Buffer.concat(batch.map((item) => item.frame)));
        await this.sync(this.handle);
      } catch (error) {
        this.fail(error, batch);
        break;
      }
      this.flushes += 1;
      this.written += batch.length;
      for (const item of batch) item.resolve();
    }
    this.flushing = false;
  }

  private async writeAll(bytes: Buffer): Promise<void> {
    for (let offset = 0; offset < bytes.length; ) {
      const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
    this.fileBytes += bytes.length;
  }

  private async switchTo(rotation: Rotation): Promise<void> {
    try {
      await this.handle.close();
    } catch (error) {
      this.fail(error, [rotation]);
      return;
    }
    this.handle = rotation.next;
    this.fileBytes = 0;
    rotation.resolve();
  }

  private fail(error: unknown, batch: Array<{ reject: (error: unknown) => void }>): void {
    this.failure = new JournalFailed(error);
    for (const item of [...batch, ...this.queue.splice(0)]) item.reject(this.failure);
  }
}
