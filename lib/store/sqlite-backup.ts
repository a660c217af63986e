// A consistent copy of the SQLite store while the server runs (`livechat backup
// <file>`): SQLite's online backup API from a connection of this process. Every
// page is copied in one step, inside one read transaction, so the copy is the
// database as of one commit, and the server's writer never waits (WAL readers do
// not block it). The copy goes to a temporary file, is checked and fsynced, then
// renamed over `<file>`, so a failed backup never leaves a half-written file.
import { open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { DATABASE_FILE } from "./sqlite";

export interface BackupFigures {
  file: string;
  bytes: number;
  users: number;
  rooms: number;
  messages: number;
  ms: number;
}

export async function backupSqlite(dataDir: string, destination: string): Promise<BackupFigures> {
  const started = performance.now();
  const source = path.join(dataDir, DATABASE_FILE);
  await stat(source).catch(() => {
    throw new Error(`There is no SQLite store at ${source}: is DATA_DIR the server's?`);
  });
  const file = path.resolve(destination);
  const temporary = `${file}.partial-${process.pid}`;
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 10000");
    // After the first (empty) step, all pages at once: copying in small steps would
    // start over each time the server commits in between.
    await db.backup(temporary, { progress: () => 0x7fffffff });
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    db.close();
  }
  try {
    const copy = new Database(temporary, { fileMustExist: true });
    let counts: { users: number; rooms: number; messages: number };
    try {
      const problems = (copy.pragma("quick_check", { simple: false }) as Array<Record<string, string>>)
        .map((row) => Object.values(row)[0])
        .filter((line) => line !== "ok");
      if (problems.length > 0) throw new Error(`the copy failed its integrity check (${problems[0]})`);
      const count = (table: string) => (copy.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      counts = { users: count("users"), rooms: count("rooms"), messages: count("messages") };
      // A single file, readable without its WAL.
      copy.pragma("journal_mode = DELETE");
    } finally {
      copy.close();
    }
    const handle = await open(temporary, "r");
    await handle.sync().finally(() => handle.close());
    await rename(temporary, file);
    const directory = await open(path.dirname(file), "r");
    await directory.sync().finally(() => directory.close());
    return { file, bytes: (await stat(file)).size, ...counts, ms: Math.round(performance.now() - started) };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
