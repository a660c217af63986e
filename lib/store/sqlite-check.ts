// The SQLite store's integrity check at start-up: PRAGMA quick_check reads every
// page of the file and checks each b-tree's structure (pages, cells, free list, the
// order and format of records, NOT NULL columns); it skips integrity_check's
// comparison of every index with its table, which costs far more. It runs on a
// worker thread; start-up waits for it at most `budgetMs`, so a large database
// starts in bounded time and its check finishes in the background.
import { Worker } from "node:worker_threads";

const WORKER_URL = new URL("./sqlite-check-thread.mjs", import.meta.url);
/** Problems reported at most; one is enough to stop, a few help whoever repairs it. */
const MAX_PROBLEMS = 10;

export interface IntegrityCheck {
  /** The problems found (none: the file is sound); undefined if the check is still running after the budget. */
  withinBudget: string[] | undefined;
  /** Settles with the problems once the check is over, however long it takes. */
  finished: Promise<string[]>;
  /** Stops a check still running (the store is closing). */
  stop(): Promise<void>;
}

/** Checks `file`; undefined (a database just created) passes at once. */
export async function checkIntegrity(file: string | undefined, budgetMs: number): Promise<IntegrityCheck> {
  if (file === undefined) return { withinBudget: [], finished: Promise.resolve([]), stop: async () => {} };
  // Plain JavaScript: the worker needs none of the parent's loaders (tsx costs a second to start).
  const worker = new Worker(WORKER_URL, { workerData: { file, maxProblems: MAX_PROBLEMS }, execArgv: [] });
  const finished = new Promise<string[]>((resolve) => {
    worker.once("message", (reply: { problems: string[] }) => resolve(reply.problems));
    worker.once("error", (error) => resolve([`the check itself failed: ${error.message}`]));
    worker.once("exit", () => resolve(["the check stopped before it was done"]));
  });
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, budgetMs, undefined)));
  const withinBudget = await Promise.race([finished, budget]);
  clearTimeout(timer);
  return {
    withinBudget,
    finished,
    stop: async () => {
      await worker.terminate();
    },
  };
}
