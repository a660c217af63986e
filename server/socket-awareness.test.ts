// Awareness over Socket.IO against a real server and real clients: typing, read
// markers shared by an account's connections, and watching rooms. The cluster project
// runs it again against two nodes sharing Redis (clients alternate between nodes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, ReadReply, ServerToClientEvents, WatchReply } from "../lib/protocol";
import { sessionCookie, startTestServer, type TestClient, type TestServer } from "./testing/test-server";

let app: TestServer;
let counter = 0;
const uniqueRoom = () => `awareness-${++counter}-${Date.now()}`;

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});

async function call<T extends object>(client: TestClient, event: string, payload: unknown): Promise<T> {
  const raw = client as unknown as { timeout(ms: number): { emitWithAck(event: string, payload: unknown): Promise<Ack<T>> } };
  const ack = await raw.timeout(5000).emitWithAck(event, payload);
  if (!ack.ok) throw new Error(`${event} refused: ${JSON.stringify(ack.error)}`);
  return ack;
}

/** Every push of `event` the client gets from now on. */
function record<E extends keyof ServerToClientEvents>(client: TestClient, event: E): Array<Parameters<ServerToClientEvents[E]>[0]> {
  const seen: Array<Parameters<ServerToClientEvents[E]>[0]> = [];
  (client as unknown as { on(e: string, l: (payload: never) => void): void }).on(event, (payload) => seen.push(payload));
  return seen;
}

async function account(username: string): Promise<string> {
  const response = await app.request("/api/auth/register", { method: "POST", json: { username, password: "correct horse" } });
  expect(response.status).toBe(201);
  return sessionCookie(response);
}

describe("typing", () => {
  it("shows the other people who is typing, and takes them off when their message arrives", async () => {
    const room = uniqueRoom();
    const ada = await app.connect({ name: "ada" });
    const bob = await app.connect({ name: "bob" });
    await call(ada, "room:join", { room });
    await call(bob, "room:join", { room });
    const seen = record(ada, "room:typing");
    await call(bob, "typing", { room });
    await expect.poll(() => seen.at(-1)).toEqual({ room, users: ["bob"] });
    await call(bob, "message:send", { room, content: "hello" });
    await expect.poll(() => seen.at(-1)).toEqual({ room, users: [] });
  });
});

describe("read markers", () => {
  it("moves an account's read position on its other connections, and answers it to a new one", async () => {
    const room = uniqueRoom();
    const cookie = await account(`reader${Date.now() % 1_000_000}`);
    const phone = await app.connect({ cookie });
    const laptop = await app.connect({ cookie });
    const writer = await app.connect({ name: "writer" });
    for (const client of [phone, laptop, writer]) await call(client, "room:join", { room });
    await call(writer, "message:send", { room, content: "one" });
    await call(writer, "message:send", { room, content: "two" });
    const moved = record(laptop, "room:read");
    expect(await call<ReadReply>(phone, "room:read", { room, seq: 2 })).toMatchObject({ lastReadSeq: 2 });
    await expect.poll(() => moved).toEqual([{ room, lastReadSeq: 2 }]);
    const later = await app.connect({ cookie });
    expect((await call<WatchReply>(later, "rooms:watch", { rooms: [room] })).rooms).toEqual([{ room, seq: 2, lastReadSeq: 2, unread: 0, mentions: 0 }]);
  });
});

describe("watching rooms", () => {
  it("sends a watcher a small room:activity per new message, marked when it mentions them, and no full list", async () => {
    const room = uniqueRoom();
    const watcher = await app.connect({ name: "watcher" });
    const writer = await app.connect({ name: "writer" });
    expect((await call<WatchReply>(watcher, "rooms:watch", { rooms: [room] })).rooms).toEqual([{ room, seq: 0, lastReadSeq: 0, unread: 0, mentions: 0 }]);
    const activity = record(watcher, "room:activity");
    const lists = record(watcher, "room:messages");
    await call(writer, "room:join", { room });
    await call(writer, "message:send", { room, content: "hello" });
    await call(writer, "message:send", { room, content: "hey @Watcher" });
    await expect.poll(() => activity).toEqual([
      { room, seq: 1, username: "writer", mention: false },
      { room, seq: 2, username: "writer", mention: true },
    ]);
    expect(lists).toEqual([]);
  });

  it("sends no activity for the room a connection has joined: it has the list", async () => {
    const room = uniqueRoom();
    const reader = await app.connect({ name: "reader" });
    await call(reader, "room:join", { room });
    await call(reader, "rooms:watch", { rooms: [room] });
    const activity = record(reader, "room:activity");
    const lists = record(reader, "room:messages");
    await call(reader, "message:send", { room, content: "mine" });
    await expect.poll(() => lists.length).toBeGreaterThan(0);
    expect(activity).toEqual([]);
  });
});
