// The SQLite store's start-up integrity check (sqlite-check.ts starts it): PRAGMA
// quick_check on a read-only connection of its own, off the event loop, so start-up
// can wait for it a bounded time and let it finish in the background.
// Plain JavaScript so it starts the same under tsx, vitest and node.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

let reply;
try {
  const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  const rows = db.pragma(`quick_check(${workerData.maxProblems})`, { simple: false });
  db.close();
  const problems = rows.map((row) => String(Object.values(row)[0])).filter((line) => line !== "ok");
  reply = { problems };
} catch (error) {
  reply = { problems: [error instanceof Error ? error.message : String(error)] };
}
parentPort.postMessage(reply);
