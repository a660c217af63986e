// The SQLite store's writer thread (sqlite-writer.ts starts it): it owns the one
// writing connection, so the fsync that makes each group commit durable blocks
// this thread, never the event loop. Plain JavaScript so it starts the same under
// tsx, vitest and node.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { batchRunner, configure } from "./sqlite-batch.mjs";

const db = new Database(workerData.file);
configure(db);
const run = batchRunner(db, workerData.statements);

parentPort.on("message", (message) => {
  if (message.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ id: message.id, ok: true, results: run(message.writes) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
parentPort.postMessage({ ready: true });
