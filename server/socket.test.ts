// The Socket.IO contract against a real server and real socket.io-client connections.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, JoinReply, Message, RoomMessagesPush, SendReply } from "../lib/protocol";
import { nextPush, okOf } from "./testing/socket-calls";
import { sessionCookie, startTestServer, type TestClient, type TestServer } from "./testing/test-server";

/** A guest is told apart from others of its name by a tag (lib/people.ts). */
const GUEST_TAG = /^\d{4}$/;

let app: TestServer;
let roomCounter = 0;
const uniqueRoom = () => `socket-test-${++roomCounter}-${Date.now()}`;

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});

/** Emits any payload, well-formed or not, and waits for the ack. */
function emitRaw(client: TestClient, event: string, ...args: unknown[]): Promise<Ack<Record<string, unknown>>> {
  const raw = client as unknown as { timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<never> } };
  return raw.timeout(5000).emitWithAck(event, ...args);
}

const join = (client: TestClient, room: string) =>
  client.timeout(5000).emitWithAck("room:join", { room }) as Promise<Ack<JoinReply>>;

const send = (client: TestClient, room: string, content: string, clientId?: string) =>
  client.timeout(5000).emitWithAck("message:send", { room, content, ...(clientId ? { clientId } : {}) }) as Promise<
    Ack<SendReply>
  >;

describe("joining a room", () => {
  it("answers with the normalised room, its full list, its members, the node and who you are", async () => {
    const room = uniqueRoom();
    const client = await app.connect();
    const reply = okOf(await join(client, `  ${room.toUpperCase()} `));
    expect(reply.room).toBe(room);
    expect(reply.messages).toEqual([]);
    expect(reply.members).toEqual([{ username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) }]);
    expect(reply.node).toBe("test-node");
    expect(reply.you).toEqual({ username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) });
  });

  it("gives a later joiner every message sent before, oldest first", async () => {
    const room = uniqueRoom();
    const first = await app.connect();
    okOf(await join(first, room));
    for (const content of ["one", "two", "three"]) okOf(await send(first, room, content));
    const second = await app.connect();
    const reply = okOf(await join(second, room));
    expect(reply.messages.map((m) => [m.seq, m.content])).toEqual([
      [1, "one"],
      [2, "two"],
      [3, "three"],
    ]);
  });

  it("tells the others who joined and left, and who is in the room", async () => {
    const room = uniqueRoom();
    const stay = await app.connect({ name: "stayer" });
    okOf(await join(stay, room));
    const comer = await app.connect({ name: "comer" });
    const notice = nextPush(stay, "room:notice", (n) => n.kind === "join");
    const presence = nextPush(stay, "room:presence", (p) => p.members.length === 2);
    okOf(await join(comer, room));
    expect(await notice).toMatchObject({ room, kind: "join", username: "comer" });
    expect((await presence).members).toEqual([
      { username: "comer", guest: true, tag: expect.stringMatching(GUEST_TAG) },
      { username: "stayer", guest: true, tag: expect.stringMatching(GUEST_TAG) },
    ]);

    const leaveNotice = nextPush(stay, "room:notice", (n) => n.kind === "leave");
    okOf(await emitRaw(comer, "room:leave", { room }));
    expect(await leaveNotice).toMatchObject({ room, kind: "leave", username: "comer" });

    const comer2 = await app.connect({ name: "comer2" });
    okOf(await join(comer2, room));
    const gone = nextPush(stay, "room:notice", (n) => n.kind === "leave" && n.username === "comer2");
    comer2.disconnect();
    expect(await gone).toMatchObject({ room, kind: "leave" });
  });
});

describe("sending a message", () => {
  it("acknowledges the stored message and pushes the full list to every page of the room", async () => {
    const room = uniqueRoom();
    const alice = await app.connect({ name: "alice" });
    const bob = await app.connect({ name: "bob" });
    okOf(await join(alice, room));
    okOf(await join(bob, room));
    const pushed = nextPush(bob, "room:messages", (p) => p.seq === 2);
    const first = okOf(await send(alice, room, "  hello bob  "));
    expect(first.message).toMatchObject({ room, seq: 1, username: "alice", guest: true, content: "hello bob" });
    okOf(await send(bob, room, "hi alice"));
    const push: RoomMessagesPush = await pushed;
    expect(push.room).toBe(room);
    expect(push.messages.map((m) => [m.seq, m.username, m.content])).toEqual([
      [1, "alice", "hello bob"],
      [2, "bob", "hi alice"],
    ]);
  });

  it("stores a message once however often its clientId is sent", async () => {
    const room = uniqueRoom();
    const client = await app.connect();
    okOf(await join(client, room));
    const first = okOf(await send(client, room, "only once", "client-id-1")).message;
    const again = okOf(await send(client, room, "only once", "client-id-1")).message;
    expect(again).toEqual(first);
    expect(first.clientId).toBe("client-id-1");
    const history = (await (await app.request(`/api/rooms/${room}/messages`)).json()) as { messages: Message[] };
    expect(history.messages).toHaveLength(1);
  });

  it("keeps seq gap-free and in one order when several clients send at once", async () => {
    const room = uniqueRoom();
    const clients = await Promise.all([1, 2, 3, 4].map((i) => app.connect({ name: `sender${i}` })));
    for (const client of clients) okOf(await join(client, room));
    const lastPush = nextPush(clients[0]!, "room:messages", (p) => p.seq === 100);
    const acks = await Promise.all(
      clients.flatMap((client, i) => Array.from({ length: 25 }, (_, n) => send(client, room, `${i}-${n}`))),
    );
    const seqs = acks.map((ack) => okOf(ack).message.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect((await lastPush).messages.map((m) => m.seq)).toEqual(seqs);
  });

  it("carries a registered user's name, decided by the server from the session cookie", async () => {
    const username = `reg${Date.now() % 1_000_000}`;
    const registered = await app.request("/api/auth/register", { method: "POST", json: { username, password: "correct horse" } });
    expect(registered.status).toBe(201);
    const client = await app.connect({ cookie: sessionCookie(registered), name: "someone-else" });
    const room = uniqueRoom();
    expect(okOf(await join(client, room)).you).toEqual({ username, guest: false });
    expect(okOf(await send(client, room, "signed")).message).toMatchObject({ username, guest: false });
  });
});

describe("guest names at the handshake", () => {
  it("uses the name a guest chose", async () => {
    const client = await app.connect({ name: "visitor_7" });
    expect(okOf(await join(client, uniqueRoom())).you).toEqual({ username: "visitor_7", guest: true, tag: expect.stringMatching(GUEST_TAG) });
  });

  it("refuses a registered user's name, whatever its case, with name_taken", async () => {
    const username = `Owner${Date.now() % 1_000_000}`;
    await app.request("/api/auth/register", { method: "POST", json: { username, password: "correct horse" } });
    const refused = await app.connect({ name: username.toLowerCase() }).then(
      () => undefined,
      (error: Error & { data?: unknown }) => error,
    );
    expect(refused?.data).toMatchObject({ code: "name_taken" });
    expect(refused?.message).toMatch(/registered/);
  });

  it("refuses a malformed guest name with invalid_payload", async () => {
    const refused = await app.connect({ name: "<b>x</b>" }).then(
      () => undefined,
      (error: Error & { data?: unknown }) => error,
    );
    expect(refused?.data).toMatchObject({ code: "invalid_payload" });
  });

  it("refuses a handshake from another site's page", async () => {
    const refused = await app.connect({ origin: "http://evil.example" }).then(
      () => "connected",
      () => "refused",
    );
    expect(refused).toBe("refused");
  });
});

describe("bad input", () => {
  const malformed: Array<[string, unknown[]]> = [
    ["room:join", []],
    ["room:join", [42]],
    ["room:join", ["lobby"]],
    ["room:join", [null]],
    ["room:join", [{}]],
    ["room:join", [{ room: 7 }]],
    ["room:leave", [[1, 2]]],
    ["message:send", [{ room: "lobby" }]],
    ["message:send", [{ room: "lobby", content: 5 }]],
    ["message:send", [{ room: "lobby", content: "hi", clientId: 9 }]],
  ];

  it.each(malformed)("answers %s with %j as invalid_payload and keeps the socket open", async (event, args) => {
    const client = await app.connect();
    const ack = await emitRaw(client, event, ...args);
    expect(ack).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
    if (!ack.ok) expect(ack.error.message.length).toBeGreaterThan(10);
    expect(client.connected).toBe(true);
    expect(okOf(await join(client, uniqueRoom())).room).toBeTruthy();
  });

  it("answers a bad room name with invalid_room", async () => {
    const client = await app.connect();
    for (const room of ["", "   ", "a/b", "<script>", "x".repeat(65), "x".repeat(1000), ".."]) {
      expect(await emitRaw(client, "room:join", { room })).toMatchObject({ ok: false, error: { code: "invalid_room" } });
    }
  });

  it("answers an empty or oversized message with invalid_message and stores nothing", async () => {
    const room = uniqueRoom();
    const client = await app.connect();
    okOf(await join(client, room));
    for (const content of ["", "   \n ", "x".repeat(2001), "x".repeat(20_000)]) {
      expect(await send(client, room, content)).toMatchObject({ ok: false, error: { code: "invalid_message" } });
    }
    expect(okOf(await send(client, room, "x".repeat(2000))).message.seq).toBe(1);
  });

  it("refuses to send to a room the socket has not joined with not_joined", async () => {
    const client = await app.connect();
    expect(await send(client, uniqueRoom(), "hello?")).toMatchObject({ ok: false, error: { code: "not_joined" } });
  });

  it("ignores an event sent without an ack callback and goes on answering", async () => {
    const client = await app.connect();
    (client as unknown as { emit(e: string, p: unknown): void }).emit("room:join", { room: "no-ack-here" });
    (client as unknown as { emit(e: string, p: unknown): void }).emit("message:send", "garbage");
    expect(okOf(await join(client, uniqueRoom())).you.username).toBe("anon");
  });

  it("disturbs no one else: another member's page sees no push and stays connected", async () => {
    const room = uniqueRoom();
    const bystander = await app.connect();
    okOf(await join(bystander, room));
    const pushes: unknown[] = [];
    bystander.on("room:messages", (push) => pushes.push(push));
    const troublemaker = await app.connect();
    okOf(await join(troublemaker, room));
    await emitRaw(troublemaker, "message:send", { room, content: "" });
    await emitRaw(troublemaker, "message:send", { room, content: { toString: 1 } });
    const closed = new Promise((resolve) => troublemaker.once("disconnect", resolve));
    troublemaker.emit("message:send", { room, content: "x".repeat(1_100_000) }, () => undefined);
    await closed; // a packet over the 1 MB limit closes that one connection
    okOf(await send(bystander, room, "still here"));
    await expect.poll(() => pushes.length).toBe(1);
    expect(bystander.connected).toBe(true);
  });
});
