// The SQLite store's search thread (sqlite-search.ts starts it): full-text queries
// can read a large part of the index (a common word over millions of messages), so
// they run here, on a read-only connection of their own, never on the event loop.
// Plain JavaScript so it starts the same under tsx, vitest and node.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma("busy_timeout = 10000");
const prepared = new Map(Object.entries(workerData.statements).map(([name, sql]) => [name, db.prepare(sql)]));

parentPort.on("message", (message) => {
  if (message.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ id: message.id, ok: true, rows: prepared.get(message.statement).all(message.params) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
parentPort.postMessage({ ready: true });
