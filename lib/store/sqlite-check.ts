// The SQLite store's integrity check at start-up: PRAGMA quick_check reads every
// page of the file and checks each b-tree's structure (pages, cells, free list, the
// order and format of records, NOT NULL columns); it skips integrity_check's
// comparison of every index with its table, which costs far more. It runs on a
// worker thread from the moment the file is open, beside the rest of start-up;
// sqlite.ts decides how long start-up waits for it (a large file's check finishes
// while the server already runs, and damage it finds then stops the server).
import { Worker } from "node:worker_threads";

const WORKER_URL = new URL("./sqlite-check-thread.mjs", import.meta.url);
/** Problems reported at most; one is enough to stop, a few help whoever repairs it. */
const MAX_PROBLEMS = 10;

export interface IntegrityCheck {
  /** Settles with the problems once the check is over (none: the file is sound), however long it takes; [] if stopped first. */
  finished: Promise<string[]>;
  /** The problems if the check is over within `ms` (Infinity: waits for it), undefined if it still runs then. */
  within(ms: number): Promise<string[] | undefined>;
  /** Stops a check still running (the store is closing). */
  stop(): Promise<void>;
}

/** Starts checking `file`; undefined (a database just created) passes at once. */
export function startIntegrityCheck(file: string | undefined): IntegrityCheck {
  if (file === undefined) {
    const finished = Promise.resolve([]);
    return { finished, within: () => finished, stop: async () => {} };
  }
  // Plain JavaScript: the worker needs none of the parent's loaders (tsx costs a second to start).
  const worker = new Worker(WORKER_URL, { workerData: { file, maxProblems: MAX_PROBLEMS }, execArgv: [] });
  let stopped = false;
  const finished = new Promise<string[]>((resolve) => {
    worker.once("message", (reply: { problems: string[] }) => resolve(reply.problems));
    worker.once("error", (error) => resolve([`the check itself failed: ${error.message}`]));
    worker.once("exit", () => resolve(stopped ? [] : ["the check stopped before it was done"]));
  });
  return {
    finished,
    within: async (ms) => {
      if (ms === Infinity) return finished;
      if (ms <= 0) return undefined;
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
      const problems = await Promise.race([finished, budget]);
      clearTimeout(timer);
      return problems;
    },
    stop: async () => {
      stopped = true;
      await worker.terminate();
    },
  };
}
