// Password hashing off the event loop. bcrypt costs about 75 ms a hash at cost 10
// here; on the main thread every login would hold up every chat message for that long.
// HasherPool runs hashes in worker threads, one job at a time each, as many as cores.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import bcrypt from "bcryptjs";

export interface PasswordHasher {
  hash(password: string, cost: number): Promise<string>;
  compare(password: string, hash: string): Promise<boolean>;
}

/** bcryptjs on the calling thread: for tests and tools, where nobody else waits on the loop. */
export const inThreadHasher: PasswordHasher = {
  hash: (password, cost) => bcrypt.hash(password, cost),
  compare: (password, hash) => bcrypt.compare(password, hash),
};

type Job = { op: "hash"; password: string; cost: number } | { op: "compare"; password: string; hash: string };
type Reply = { ok: true; value: string | boolean } | { ok: false; message: string };

interface Task {
  job: Job;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

const WORKER_URL = new URL("./hash-worker.mjs", import.meta.url);

export class HasherPool implements PasswordHasher {
  private readonly size: number;
  private readonly workers = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private closed = false;

  /** Workers start on first use, up to `size`. */
  constructor(size: number = availableParallelism()) {
    this.size = Math.max(1, size);
  }

  hash(password: string, cost: number): Promise<string> {
    return this.run({ op: "hash", password, cost }) as Promise<string>;
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.run({ op: "compare", password, hash }) as Promise<boolean>;
  }

  /** Jobs waiting for a free worker. */
  get waiting(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error("The password hasher has stopped."));
    await Promise.all([...this.workers].map((worker) => worker.terminate()));
  }

  private run(job: Job): Promise<string | boolean> {
    if (this.closed) return Promise.reject(new Error("The password hasher has stopped."));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const worker = this.idle.pop() ?? this.spawn();
      if (!worker) return;
      const task = this.queue.shift()!;
      this.running.set(worker, task);
      worker.postMessage(task.job);
    }
  }

  private spawn(): Worker | undefined {
    if (this.workers.size >= this.size) return undefined;
    const worker = new Worker(WORKER_URL);
    // The server keeps the process alive, not an idle hashing thread.
    worker.unref();
    this.workers.add(worker);
    worker.on("message", (reply: Reply) => {
      const task = this.running.get(worker);
      this.running.delete(worker);
      this.idle.push(worker);
      if (reply.ok) task?.resolve(reply.value);
      else task?.reject(new Error(reply.message));
      this.dispatch();
    });
    // A worker that dies takes only its own job with it; the next job starts a fresh one.
    worker.on("error", (error) => this.running.get(worker)?.reject(error));
    worker.on("exit", () => {
      this.workers.delete(worker);
      const idleAt = this.idle.indexOf(worker);
      if (idleAt >= 0) this.idle.splice(idleAt, 1);
      this.running.get(worker)?.reject(new Error("A password hashing worker stopped."));
      this.running.delete(worker);
      this.dispatch();
    });
    return worker;
  }
}
