// `livechat backup <file>` while the store is being written to: the copy opens as a
// store and holds every message acknowledged before the backup began, each room's
// seq without a gap.
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import type { Message } from "../lib/protocol";
import { openSqliteStore } from "../lib/store/sqlite";
import { RecordingLogger } from "../lib/testing/fakes";

const ROOMS = 10;
const LANES = 20;

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["bin/livechat.js", ...args], { env: { PATH: process.env.PATH, NODE_ENV: "production", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

it("writes a copy that holds every message acknowledged before the backup began, while appends go on", async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "livechat-backup-"));
  dirs.push(dataDir);
  const store = await openSqliteStore({ dir: dataDir, logger: new RecordingLogger() });
  const acked = new Map<string, Message>();
  let stop = false;
  let next = 0;
  const lane = async () => {
    while (!stop) {
      const i = next++;
      const { message } = await store.append(`room-${i % ROOMS}`, {
        username: "gage",
        guest: false,
        content: `message ${i}`,
        sentAt: new Date().toISOString(),
        clientId: `c${i}`,
      });
      acked.set(message.clientId!, message);
    }
  };
  const lanes = Array.from({ length: LANES }, lane);
  await expect.poll(() => acked.size, { timeout: 30_000 }).toBeGreaterThan(2000);

  const before = [...acked.values()];
  const file = path.join(dataDir, "backups", "livechat-backup.db");
  await mkdir(path.dirname(file));
  const result = await runCli(["backup", file], { DATA_DIR: dataDir });
  const during = acked.size - before.length;
  stop = true;
  await Promise.all(lanes);
  await store.close();
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Backup written to .*livechat-backup\.db: \d+ messages in 10 rooms/);
  // The store went on taking messages while the copy was made.
  expect(during).toBeGreaterThan(0);

  const restored = await mkdtemp(path.join(tmpdir(), "livechat-restored-"));
  dirs.push(restored);
  await copyFile(file, path.join(restored, "livechat.db"));
  const copy = await openSqliteStore({ dir: restored, logger: new RecordingLogger() });
  const stored = new Map<string, Message>();
  for (let r = 0; r < ROOMS; r++) {
    const messages = await copy.recent(`room-${r}`, 1_000_000);
    expect(messages.map((message) => message.seq)).toEqual(messages.map((_, i) => i + 1));
    for (const message of messages) stored.set(message.clientId!, message);
  }
  await copy.close();
  expect(before.filter((message) => JSON.stringify(stored.get(message.clientId!)) !== JSON.stringify(message))).toEqual([]);
}, 120_000);

it("says what to do when DATA_DIR holds no store", async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "livechat-backup-empty-"));
  dirs.push(dataDir);
  const result = await runCli(["backup", path.join(dataDir, "copy.db")], { DATA_DIR: dataDir });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^Backup failed: There is no SQLite store at .*livechat\.db: is DATA_DIR the server's\?/);
});
