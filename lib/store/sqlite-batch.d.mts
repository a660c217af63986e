// Types of sqlite-batch.mjs (plain JavaScript so that worker threads can load it).
import type { Database } from "better-sqlite3";

export interface WriteStep {
  statement: string;
  params: unknown[];
  /** Answer the first row the statement returns instead of the number of rows it changed. */
  get?: boolean;
  /** After the commit, checkpoint into the database file and truncate the WAL: no older copy of what this step removed stays in it. */
  scrub?: boolean;
}

export type WriteResult = { ok: true; rows: unknown[] } | { ok: false; message: string };

export function batchRunner(db: Database, statements: Record<string, string>): (writes: WriteStep[][]) => WriteResult[];
export function configure(db: Database): void;
