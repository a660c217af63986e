// The SQLite store's writes, with group commit: the writes handed over together (in one
// task on the worker thread, in one turn inline) and every write that arrives while the
// previous commit runs go into one transaction, committed and fsynced once, and each
// write's promise resolves only after that commit. By default the commits run on a
// worker thread (sqlite-writer-thread.mjs), so their fsyncs never block the event loop;
// "inline" runs them on the calling thread (tools and the bench that compares the two:
// docs/performance.md).
//
// While writes keep coming, a commit on the worker thread begins no sooner than
// COMMIT_SPACING_MS after the one before it began, as PostgreSQL's commit_delay and
// MySQL's binlog_group_commit_sync_delay hold a flush for the writes about to arrive.
// At a few messages a second nothing waits; at 2,000 a second each commit, its fsync, its
// full-text segment and the pushes it releases carry several messages, which took
// about 40% off the server's CPU per delivery (docs/performance.md, issue 15 item 10),
// for at most 10 ms more on an acknowledgement.
import { Worker } from "node:worker_threads";
import type { Database } from "better-sqlite3";
import { batchRunner, type WriteResult, type WriteStep } from "./sqlite-batch.mjs";

export type WriterThread = "worker" | "inline";

interface Pending {
  steps: WriteStep[];
  resolve: (rows: unknown[]) => void;
  reject: (error: Error) => void;
}

type WorkerReply =
  | { ready: true }
  | { id: number; ok: true; results: WriteResult[] }
  | { id: number; ok: false; message: string };

const WORKER_URL = new URL("./sqlite-writer-thread.mjs", import.meta.url);
const COMMIT_SPACING_MS = 10;

export class WriteFailed extends Error {
  constructor(message: string) {
    super(`The SQLite store could not write (${message}).`);
    this.name = "WriteFailed";
  }
}

export interface SqliteWriterOptions {
  /** The database file. */
  file: string;
  statements: Record<string, string>;
  thread: WriterThread;
  /** The connection to run commits on when `thread` is "inline". */
  db: Database;
  /** Told once if the writer thread dies; every write after that is refused. */
  onFailure: (error: Error) => void;
  /** Awaited before each commit starts: tests hold commits with it to watch what waits for durability. */
  beforeCommit?: () => Promise<void>;
}

export class SqliteWriter {
  private readonly options: SqliteWriterOptions;
  private queue: Pending[] = [];
  private inFlight: Pending[] | undefined;
  private scheduled = false;
  private failure: Error | undefined;
  private readonly worker: Worker | undefined;
  private readonly ready: Promise<void>;
  private readonly runInline: ((writes: WriteStep[][]) => WriteResult[]) | undefined;
  private last: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  private closed = false;
  /** Commits made, for figures and tests. */
  commits = 0;
  /** When the last commit began (performance.now()). */
  private lastBegun = -Infinity;

  constructor(options: SqliteWriterOptions) {
    this.options = options;
    if (options.thread === "inline") {
      this.runInline = batchRunner(options.db, options.statements);
      this.ready = Promise.resolve();
      return;
    }
    // Plain JavaScript: the worker needs none of the parent's loaders (tsx costs a second to start).
    const worker = new Worker(WORKER_URL, { workerData: { file: options.file, statements: options.statements }, execArgv: [] });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      const onReply = (reply: WorkerReply) => {
        if ("ready" in reply) resolve();
        else this.finishBatch(reply);
      };
      worker.on("message", onReply);
      worker.once("error", (error) => {
        reject(error);
        this.fail(error);
      });
      worker.once("exit", (code) => {
        if (!this.closed) this.fail(new Error(`the writer thread exited with code ${code}`));
      });
    });
  }

  /** Resolves once the writer can take writes (its thread has opened the database). */
  started(): Promise<void> {
    return this.ready;
  }

  /** Runs `steps` in the next group commit; resolves with each step's answer once it is durable. */
  write(steps: WriteStep[]): Promise<unknown[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new WriteFailed("the store is closed"));
    const done = new Promise<unknown[]>((resolve, reject) => this.queue.push({ steps, resolve, reject }));
    this.last = done.catch(() => undefined);
    this.schedule();
    return done;
  }

  /** Resolves once every write handed over so far has been committed or refused. */
  settled(): Promise<unknown> {
    return this.last;
  }

  async close(): Promise<void> {
    await this.settled();
    this.closed = true;
    if (!this.worker) return;
    const exited = new Promise((resolve) => this.worker!.once("exit", resolve));
    this.worker.postMessage({ close: true });
    await exited;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    const start = () => {
      this.scheduled = false;
      this.startBatch();
    };
    // On this thread a commit blocks the loop: one turn lets every write of the turn join it.
    if (this.runInline) return void setImmediate(start);
    // On the worker thread the commit runs beside the loop, so it starts as soon as the
    // task that wrote is done (and the spacing allows), not after the rest of the turn: in
    // a busy turn (a thousand pages rejoining) that rest was up to 50 ms of a message's
    // acknowledgement. Writes that come meanwhile wait and go together.
    const wait = COMMIT_SPACING_MS - (performance.now() - this.lastBegun);
    if (wait > 0) setTimeout(start, wait);
    else queueMicrotask(start);
  }

  private startBatch(): void {
    if (this.inFlight || this.queue.length === 0 || this.failure) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight = batch;
    this.lastBegun = performance.now();
    if (this.options.beforeCommit) void this.options.beforeCommit().then(() => this.commit(batch));
    else this.commit(batch);
  }

  private commit(batch: Pending[]): void {
    const id = ++this.nextId;
    if (this.runInline) {
      let reply: WorkerReply;
      try {
        reply = { id, ok: true, results: this.runInline(batch.map((pending) => pending.steps)) };
      } catch (error) {
        reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
      }
      this.finishBatch(reply);
      return;
    }
    this.worker!.postMessage({ id, writes: batch.map((pending) => pending.steps) });
  }

  private finishBatch(reply: Exclude<WorkerReply, { ready: true }>): void {
    const batch = this.inFlight ?? [];
    this.inFlight = undefined;
    if (reply.ok) {
      this.commits += 1;
      reply.results.forEach((result, i) => {
        if (result.ok) batch[i]!.resolve(result.rows);
        else batch[i]!.reject(new WriteFailed(result.message));
      });
    } else {
      const error = new WriteFailed(reply.message);
      for (const pending of batch) pending.reject(error);
    }
    // Writes that arrived during the commit make the next one, spaced as above.
    if (this.queue.length > 0) this.schedule();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = new WriteFailed(error.message);
    for (const pending of [...(this.inFlight ?? []), ...this.queue.splice(0)]) pending.reject(this.failure);
    this.inFlight = undefined;
    this.options.onFailure(error);
  }
}
