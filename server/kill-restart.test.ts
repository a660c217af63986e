// kill -9 of a real server process while 50 clients send and accounts register;
// restarted on the same DATA_DIR, it still has every acknowledged message and
// every account, and the session cookies given out before the kill still work
// (the session secret is kept in DATA_DIR too).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import type { Message, SendReply } from "../lib/protocol";
import { killAll, startServerProcess } from "./testing/server-process";
import { connectSocket, type TestClient } from "./testing/test-server";

const CLIENTS = 50;
const ROOMS = 5;
/** The kill comes once this many messages are acknowledged, wherever the senders are. */
const ACKED_BEFORE_KILL = 1500;
const PASSWORD = "a long enough password";

/** Tens of seconds on a busy 2-core machine; the budget leaves room for a busier one. */
const HEAVY_TEST_TIMEOUT_MS = 120_000;

let dataDir: string | undefined;
afterAll(async () => {
  killAll();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function allMessages(url: string, room: string): Promise<Message[]> {
  const pages: Message[][] = [];
  let before: number | undefined;
  for (;;) {
    const query = `limit=200${before === undefined ? "" : `&before=${before}`}`;
    const { messages } = (await (await fetch(`${url}/api/rooms/${room}/messages?${query}`)).json()) as { messages: Message[] };
    if (messages.length === 0) break;
    pages.unshift(messages);
    before = messages[0]!.seq;
  }
  return pages.flat();
}

it("keeps every acknowledged message and every account through a kill -9 while 50 clients send", async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "livechat-kill-"));
  const first = await startServerProcess(dataDir);
  const rooms = Array.from({ length: ROOMS }, (_, i) => `kill-room-${i}`);

  const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => connectSocket(first.url, { name: `sender${i}` })));
  await Promise.all(clients.map((client, i) => client.timeout(5000).emitWithAck("room:join", { room: rooms[i % ROOMS]! })));

  const acked = new Map<string, Message>();
  let killed = false;
  const send = async (client: TestClient, i: number) => {
    for (let j = 0; !killed; j++) {
      const clientId = `c${i}-${j}`;
      try {
        const reply = (await client.timeout(2000).emitWithAck("message:send", {
          room: rooms[i % ROOMS]!,
          content: `message ${j} from client ${i}`,
          clientId,
        })) as { ok: boolean } & Partial<SendReply>;
        if (reply.ok && reply.message) acked.set(clientId, reply.message);
      } catch {
        // No ack in time: the server is gone, or busy (the message may be stored unacknowledged).
        if (killed) return;
      }
    }
  };

  const accounts = new Map<string, string>(); // username -> session cookie
  const register = async () => {
    for (let k = 0; !killed; k++) {
      const username = `member${k}`;
      try {
        const response = await fetch(`${first.url}/api/auth/register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username, password: PASSWORD }),
        });
        const cookie = response.headers.getSetCookie().find((value) => value.startsWith("livechat_session="));
        if (response.status === 201 && cookie) accounts.set(username, cookie.split(";")[0]!);
      } catch {
        return;
      }
    }
  };

  const sending = Promise.all(clients.map(send));
  const registering = register();
  await expect.poll(() => acked.size, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);
  const exited = new Promise((resolve) => first.child.once("exit", resolve));
  first.child.kill("SIGKILL");
  await exited;
  killed = true;
  for (const client of clients) client.disconnect();
  await Promise.all([sending, registering]);
  expect(accounts.size).toBeGreaterThan(0);

  const second = await startServerProcess(dataDir);
  const stored = await Promise.all(rooms.map((room) => allMessages(second.url, room)));
  for (const messages of stored) {
    expect(messages.map((message) => message.seq)).toEqual(Array.from({ length: messages.length }, (_, i) => i + 1));
  }
  const byClientId = new Map(stored.flat().map((message) => [message.clientId!, message]));
  expect(byClientId.size).toBe(stored.flat().length);
  const lost = [...acked.values()].filter((message) => {
    const kept = byClientId.get(message.clientId!);
    return !kept || kept.id !== message.id || kept.seq !== message.seq || kept.content !== message.content;
  });
  expect(lost).toEqual([]);

  for (const [username, cookie] of accounts) {
    const me = (await (await fetch(`${second.url}/api/auth/me`, { headers: { cookie } })).json()) as { user: unknown };
    expect(me.user).toEqual({ username, guest: false });
  }
  const [someone] = accounts.keys();
  const login = await fetch(`${second.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: someone, password: PASSWORD }),
  });
  expect(login.status).toBe(200);

  const opened = second.logs.find((entry) => entry.msg === "opened the SQLite store");
  console.log(
    `kill -9: ${acked.size} messages acknowledged and ${accounts.size} accounts registered before the kill, ` +
      `${stored.flat().length} messages and all accounts back after the restart (store opened in ${String(opened?.ms)} ms), 0 lost`,
  );
  second.child.kill("SIGTERM");
}, HEAVY_TEST_TIMEOUT_MS);
