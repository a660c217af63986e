// Damage the SQLite store's integrity check finds after the server listens (a file
// too large to check before start-up) stops the node as a start that found it would
// have: it prints the sentence, stops accepting and exits with status 1; the next
// start checks the whole file first and refuses it before listening.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { RecordingLogger } from "../lib/testing/fakes";
import { openSqliteStore } from "../lib/store/sqlite";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PAGE = 4096;
/** Above the 64 MB the store checks before it opens. */
const FILE_BYTES = 72 * 1024 * 1024;
/** Two starts of a real server process on a busy 2-core machine. */
const TIMEOUT_MS = 120_000;

let dataDir: string | undefined;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Runs `node --import tsx server/index.ts` on `dir` until it exits: its output and status. */
function runServer(dir: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dir, PORT: "0", GRPC_PORT: "0", ADAPTERS: "grpc", SESSION_SECRET: "s".repeat(40), LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ stdout, stderr, code })));
}

it(
  "stops a running node when the check that finished after start-up finds damage, and refuses the next start",
  async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "livechat-late-damage-"));
    const store = await openSqliteStore({ dir: dataDir, logger: new RecordingLogger() });
    // Long messages: the file grows past the size checked before start-up with few rows.
    const long = "lorem ipsum dolor sit amet ".repeat(40_000);
    for (let i = 0; i < FILE_BYTES / long.length; i++) await store.append("lobby", { username: "gage", guest: false, content: long, sentAt: "2026-11-30T10:00:00.000Z" });
    await store.close();
    const file = path.join(dataDir, "livechat.db");
    // Everything in the file itself, then one page in its middle overwritten.
    const db = new Database(file);
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();
    const bytes = await readFile(file);
    expect(bytes.length).toBeGreaterThan(64 * 1024 * 1024);
    const middle = Math.floor(bytes.length / PAGE / 2) * PAGE;
    bytes.fill(0xa5, middle, middle + PAGE);
    await writeFile(file, bytes);

    const first = await runServer(dataDir);
    expect(first.stdout).toContain("Livechat is listening");
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/Livechat stops: The SQLite store .*livechat\.db is damaged \(.*restore the file from a backup/);

    const second = await runServer(dataDir);
    expect(second.stdout).not.toContain("Livechat is listening");
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/Livechat cannot start: The SQLite store .*livechat\.db is damaged \(/);
  },
  TIMEOUT_MS,
);
