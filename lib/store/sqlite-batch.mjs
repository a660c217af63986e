// One group commit of the SQLite store: every write handed over in one tick runs in
// one transaction, each in a savepoint of its own so a write that fails (a broken
// constraint) fails alone while the others commit. Plain JavaScript, shared by the
// writer worker (sqlite-writer-thread.mjs) and the in-thread writer, so it runs the same
// under tsx, vitest and node.

/**
 * Prepares each named statement once and returns a function that runs a batch of
 * writes: each write is a list of steps `{ statement, params, get }`; a step with
 * `get` answers the first row it returns (RETURNING or SELECT), others the number of
 * rows changed. Answers one result per write, in order; throws only if the commit fails.
 */
export function batchRunner(db, statements) {
  const prepared = new Map();
  for (const [name, sql] of Object.entries(statements)) prepared.set(name, db.prepare(sql));

  const runOne = db.transaction((steps) =>
    steps.map((step) => {
      const statement = prepared.get(step.statement);
      if (!statement) throw new Error(`unknown statement ${step.statement}`);
      return step.get ? statement.get(...step.params) : statement.run(...step.params).changes;
    }),
  );

  // Nested inside the batch's transaction, better-sqlite3 runs runOne in a savepoint.
  const runBatch = db.transaction((writes) =>
    writes.map((steps) => {
      try {
        return { ok: true, rows: runOne(steps) };
      } catch (error) {
        // Some errors (a full disk, an I/O error) roll back the whole transaction:
        // then nothing of the batch is kept and the batch fails as one.
        if (!db.inTransaction) throw error;
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    }),
  );

  return (writes) => {
    const results = runBatch(writes);
    // A write that removed text (a deleted message) leaves older copies of its pages in
    // the WAL until it is reused: move every page into the database file (where
    // secure_delete has zeroed the old text) and cut the WAL to nothing. A reader that
    // holds an old snapshot makes it wait (busy_timeout); one that outlasts it leaves the
    // WAL for the next such write or automatic checkpoint.
    if (writes.some((steps) => steps.some((step) => step.scrub))) db.pragma("wal_checkpoint(TRUNCATE)");
    return results;
  };
}

/** The settings every connection to the store's file uses; see sqlite.ts for why. */
export function configure(db) {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 10000");
  // Freed space is overwritten with zeros: a deleted message's text leaves the file.
  db.pragma("secure_delete = ON");
}
