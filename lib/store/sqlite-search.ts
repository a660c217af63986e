// Full-text queries of the SQLite store, on a thread of their own (sqlite-search-thread.mjs):
// one query can take tens to hundreds of milliseconds on a large history, which on the
// event loop would stall every room. Queries run one at a time, in order.
import { Worker } from "node:worker_threads";

const WORKER_URL = new URL("./sqlite-search-thread.mjs", import.meta.url);

type Reply = { ready: true } | { id: number; ok: true; rows: unknown[] } | { id: number; ok: false; message: string };

export class SqliteSearch {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  private readonly ready: Promise<void>;
  private nextId = 0;
  private failure: Error | undefined;

  constructor(file: string, statements: Record<string, string>) {
    // Plain JavaScript: the worker needs none of the parent's loaders (tsx costs a second to start).
    this.worker = new Worker(WORKER_URL, { workerData: { file, statements }, execArgv: [] });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on("message", (reply: Reply) => {
        if ("ready" in reply) return resolve();
        const waiting = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (reply.ok) waiting?.resolve(reply.rows);
        else waiting?.reject(new Error(`The search failed (${reply.message}).`));
      });
      this.worker.once("error", (error) => {
        reject(error);
        this.fail(error);
      });
      this.worker.once("exit", () => this.fail(new Error("the search thread stopped")));
    });
  }

  started(): Promise<void> {
    return this.ready;
  }

  /** The rows of the named statement with these named parameters. */
  all<T>(statement: string, params: Record<string, unknown>): Promise<T[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.nextId;
    return new Promise<T[]>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
      this.worker.postMessage({ id, statement, params });
    });
  }

  async close(): Promise<void> {
    if (this.failure) return;
    const exited = new Promise((resolve) => this.worker.once("exit", resolve));
    this.worker.postMessage({ close: true });
    await exited;
  }

  private fail(error: Error): void {
    this.failure ??= new Error(`The search is unavailable (${error.message}).`);
    for (const waiting of this.waiting.values()) waiting.reject(this.failure);
    this.waiting.clear();
  }
}
