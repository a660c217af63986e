// kill -9 of a real server process right after edits, deletes, replies, reactions and
// pins were acknowledged: restarted on the same DATA_DIR (the SQLite store), it gives
// every one of them back, and the deleted text is nowhere in the data folder. On
// PostgreSQL (STORE=postgres), a second node on the same database gives them back.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, expect, it } from "vitest";
import type { Message, RoomSettings } from "../lib/protocol";
import { startPostgresServer, type PostgresServer } from "./postgres-server";
import { sessionCookie } from "./testing/test-server";

const children: ChildProcess[] = [];
const dataDirs: string[] = [];
let postgres: PostgresServer | undefined;
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await postgres?.stop();
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

/** A node in a process of its own on `dir` (and `env`: PostgreSQL's); resolves with its URL once it listens. */
function startServer(dir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/testing/node-process.ts"], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1", DATA_DIR: dir, BCRYPT_COST: "4", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as { port?: unknown; msg?: unknown };
        if (entry.msg === undefined && typeof entry.port === "number") resolve({ child, url: `http://127.0.0.1:${entry.port}` });
      } catch {
        // a log line that is not JSON
      }
    });
  });
}

/**
 * Acknowledged changes on a first node, then `kill` (which kills the node and whatever
 * else it must), then a second node: it answers every change as the first did.
 */
async function changesSurvive(dataDir: string, kill: (node: ChildProcess) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const first = await startServer(dataDir, env);
  const call = async (url: string, method: string, route: string, cookie: string, json?: unknown) => {
    const response = await fetch(url + route, {
      method,
      headers: { cookie, ...(json === undefined ? {} : { "content-type": "application/json" }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    expect(response.status, await response.clone().text()).toBeLessThan(300);
    return response;
  };
  const cookie = sessionCookie(await call(first.url, "POST", "/api/auth/register", "", { username: "gage", password: "correct horse" }));
  const room = "/api/rooms/lobby/messages";
  await call(first.url, "POST", room, cookie, { content: "helo" });
  await call(first.url, "POST", room, cookie, { content: "a reply", replyTo: 1 });
  await call(first.url, "POST", room, cookie, { content: "the secret pangolinxyz plan" });
  await call(first.url, "PATCH", `${room}/1`, cookie, { content: "hello" });
  await call(first.url, "PUT", `${room}/1/reactions/${encodeURIComponent("🎉")}`, cookie);
  await call(first.url, "PUT", `${room}/2/pin`, cookie);
  await call(first.url, "DELETE", `${room}/3`, cookie);
  const before = ((await (await fetch(`${first.url}${room}`)).json()) as { messages: Message[] }).messages;

  await kill(first.child);
  const second = await startServer(dataDir, env);
  const after = ((await (await fetch(`${second.url}${room}`)).json()) as { messages: Message[] }).messages;
  expect(after).toEqual(before);
  expect(after).toMatchObject([
    { seq: 1, content: "hello", editedAt: expect.any(String), reactions: [{ emoji: "🎉", users: ["gage"] }] },
    { seq: 2, replyTo: 1, pinned: true },
    { seq: 3, content: "", deleted: true },
  ]);
  const { settings } = (await (await fetch(`${second.url}/api/rooms/lobby`)).json()) as { settings: RoomSettings };
  expect(settings.pinned).toEqual([2]);
  second.child.kill("SIGKILL");
}

async function killNode(node: ChildProcess): Promise<void> {
  node.kill("SIGKILL");
  await new Promise((resolve) => node.once("exit", resolve));
}

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "livechat-conversation-kill-"));
  dataDirs.push(dir);
  return dir;
}

it("keeps every acknowledged edit, delete, reply, reaction and pin through a kill -9", async () => {
  const dataDir = await freshDir();
  await changesSurvive(dataDir, async (node) => {
    await killNode(node);
    const files = await readdir(dataDir);
    const bytes = Buffer.concat(await Promise.all(files.filter((file) => file.startsWith("livechat.db")).map((file) => readFile(path.join(dataDir, file)))));
    expect(bytes.includes(Buffer.from("pangolinxyz"))).toBe(false);
  });
}, 60_000);

it("keeps them on PostgreSQL through a kill -9 of the node", async () => {
  postgres = await startPostgresServer({ dir: await freshDir() });
  const databaseUrl = await postgres.createDatabase("livechat");
  await changesSurvive(await freshDir(), killNode, { STORE: "postgres", DATABASE_URL: databaseUrl });
}, 60_000);
