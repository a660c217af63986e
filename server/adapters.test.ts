// The adapters over the same rooms, against a real server: REST, Server-Sent
// Events, gRPC and Socket.IO see one another's messages in one seq order, and a
// deletion reaches every kind of watcher.
import { get, type IncomingMessage } from "node:http";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Ack, JoinReply, Message, RoomMessagesPush, SendReply } from "../lib/protocol";
import { connectGrpc, openSse, watchedContents, type GrpcTestClient } from "./testing/test-clients";
import { ADMIN_TOKEN, sessionCookie, startTestServer, type TestClient, type TestServer } from "./testing/test-server";

let app: TestServer;
let grpc: GrpcTestClient;
let counter = 0;
const uniqueRoom = () => `adapters-test-${++counter}-${Date.now()}`;
const uniqueName = () => `user${++counter}x${Date.now() % 100_000}`;
const PASSWORD = "correct horse battery";
const WAIT = { timeout: 5000, interval: 20 };

beforeAll(async () => {
  app = await startTestServer({}, { sseHeartbeatMs: 100 });
  grpc = connectGrpc(`127.0.0.1:${app.server.grpc!.port}`);
});
afterAll(async () => {
  grpc.close();
  await app.close();
});

const contentsOf = (messages: Array<Pick<Message, "content">>) => messages.map((message) => message.content);

async function register(): Promise<{ username: string; cookie: string }> {
  const username = uniqueName();
  const response = await app.request("/api/auth/register", { method: "POST", json: { username, password: PASSWORD } });
  expect(response.status).toBe(201);
  return { username, cookie: sessionCookie(response) };
}

async function joinWatching(client: TestClient, room: string): Promise<RoomMessagesPush[]> {
  const pushes: RoomMessagesPush[] = [];
  client.on("room:messages", (push) => pushes.push(push));
  const joined: Ack<JoinReply> = await client.emitWithAck("room:join", { room });
  expect(joined.ok).toBe(true);
  return pushes;
}

const postMessage = (room: string, content: string, headers: Record<string, string> = {}) =>
  app.request(`/api/rooms/${room}/messages`, { method: "POST", json: { content }, headers });

const streamUrl = (room: string) => `${app.url}/api/rooms/${room}/stream`;

describe("one room over every adapter", () => {
  it("shows a message sent by REST, by gRPC and by Socket.IO to an SSE stream, a gRPC Watch and a socket alike, in one seq order", async () => {
    const room = uniqueRoom();
    const socket = await app.connect({ name: "sockguest" });
    const socketPushes = await joinWatching(socket, room);
    const sse = await openSse(streamUrl(room));
    const watch = grpc.watch(room);
    await vi.waitFor(() => expect(sse.latest()).toEqual({ room, messages: [], seq: 0 }), WAIT);
    await vi.waitFor(() => expect(watch.events).toHaveLength(1), WAIT);

    expect((await postMessage(room, "by REST")).status).toBe(201);
    await grpc.call("Send", { room, content: "by gRPC" }, { name: "grpcguest" });
    const sent: Ack<SendReply> = await socket.emitWithAck("message:send", { room, content: "by Socket.IO" });
    expect(sent.ok).toBe(true);

    const expected = [
      { seq: 1, content: "by REST", username: "anon" },
      { seq: 2, content: "by gRPC", username: "grpcguest" },
      { seq: 3, content: "by Socket.IO", username: "sockguest" },
    ];
    const shape = (messages: Message[]) => messages.map(({ seq, content, username }) => ({ seq, content, username }));
    await vi.waitFor(() => expect(shape(sse.latest()?.messages ?? [])).toEqual(expected), WAIT);
    await vi.waitFor(() => expect(shape(socketPushes.at(-1)?.messages ?? [])).toEqual(expected), WAIT);
    await vi.waitFor(() => expect(watchedContents(watch)).toEqual(contentsOf(expected)), WAIT);
    const last = watch.latest();
    expect(last?.event === "messages" && last.messages.seq).toBe(3);
    expect(sse.latest()?.seq).toBe(3);
    // Every list a watcher got is newer than the one before it.
    const seqs = sse.events.map((event) => (event.data as RoomMessagesPush).seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    sse.close();
    watch.cancel();
  });

  it("carries an edit, a reaction, a pin and a delete to an SSE stream and a gRPC Watch as the changed list", async () => {
    const room = uniqueRoom();
    const { cookie } = await register();
    const sse = await openSse(streamUrl(room));
    const watch = grpc.watch(room);
    await vi.waitFor(() => expect(watch.events).toHaveLength(1), WAIT);
    const first = await postMessage(room, "helo", { cookie });
    expect(first.status).toBe(201);
    expect((await postMessage(room, "a message I take back", { cookie })).status).toBe(201);
    const messagePath = (seq: number, rest = "") => `/api/rooms/${room}/messages/${seq}${rest}`;
    const change = async (path: string, method: string, init: { json?: object; headers?: Record<string, string> } = {}) =>
      expect((await app.request(path, { method, ...init, headers: { cookie, ...init.headers } })).status).toBe(200);

    await change(messagePath(1), "PATCH", { json: { content: "hello" } });
    await change(messagePath(1, `/reactions/${encodeURIComponent("👍")}`), "PUT");
    await change(messagePath(1, "/pin"), "PUT", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await change(messagePath(2), "DELETE");

    const expected = [
      { seq: 1, content: "hello", edited: true, reactions: ["👍"], pinned: true, deleted: false },
      { seq: 2, content: "", edited: false, reactions: [], pinned: false, deleted: true },
    ];
    const shape = (messages: Array<Pick<Message, "seq" | "content" | "editedAt" | "pinned" | "deleted" | "reactions">>) =>
      messages.map(({ seq, content, editedAt, reactions, pinned, deleted }) => ({
        seq,
        content,
        edited: !!editedAt,
        reactions: (reactions ?? []).map((reaction) => reaction.emoji),
        pinned: pinned === true,
        deleted: deleted === true,
      }));
    await vi.waitFor(() => expect(shape(sse.latest()?.messages ?? [])).toEqual(expected), WAIT);
    await vi.waitFor(() => {
      const last = watch.latest();
      expect(last?.event === "messages" ? shape(last.messages.messages) : []).toEqual(expected);
    }, WAIT);
    sse.close();
    watch.cancel();
  });

  it("reads the same history pages over REST and gRPC", async () => {
    const room = uniqueRoom();
    for (let i = 1; i <= 5; i++) expect((await postMessage(room, `m${i}`)).status).toBe(201);
    const rest = (await (await app.request(`/api/rooms/${room}/messages?before=5&limit=2`)).json()) as { messages: Message[] };
    const page = await grpc.call<{ messages: Message[] }>("History", { room, beforeSeq: 5, limit: 2 });
    expect(contentsOf(rest.messages)).toEqual(["m3", "m4"]);
    expect(page.messages.map(({ seq, content }) => ({ seq, content }))).toEqual(rest.messages.map(({ seq, content }) => ({ seq, content })));
    expect(contentsOf((await grpc.call<{ messages: Message[] }>("History", { room })).messages)).toEqual(["m1", "m2", "m3", "m4", "m5"]);
  });

  it("finds the same messages over REST and gRPC Search, with the same highlights", async () => {
    const room = uniqueRoom();
    for (const content of ["a quokka smiled", "nothing here", "two quokkas, one quokka"]) expect((await postMessage(room, content)).status).toBe(201);
    const rest = (await (await app.request(`/api/rooms/${room}/search?q=quokka`)).json()) as { messages: Message[] };
    const found = await grpc.call<{ messages: Array<{ seq: number; highlight: Array<{ start: number; end: number }> }> }>("Search", { room, text: "quokka" });
    expect(found.messages.map((m) => [m.seq, m.highlight.map(({ start, end }) => [start, end])])).toEqual(rest.messages.map((m) => [m.seq, m.highlight]));
    expect(found.messages.map((m) => m.seq)).toEqual([3, 1]);
    const everywhere = await grpc.call<{ messages: Message[] }>("Search", { text: "quokkas" });
    expect(everywhere.messages.map((m) => [m.room, m.seq])).toEqual([[room, 3]]);
    await expect(grpc.call("Search", { room, text: "   " })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });
});

describe("Server-Sent Events", () => {
  it("sends heartbeats, and frees its subscription and timer when the client goes away", async () => {
    const room = uniqueRoom();
    const sse = await openSse(streamUrl(room));
    expect(sse.status).toBe(200);
    await vi.waitFor(() => expect(sse.comments).toBeGreaterThanOrEqual(2), WAIT);
    expect(app.server.registry.watcherCount(room)).toBe(1);
    expect(app.server.streams?.count).toBe(1);
    sse.close();
    await vi.waitFor(() => expect(app.server.registry.watcherCount(room)).toBe(0), WAIT);
    expect(app.server.streams?.count).toBe(0);
  });

  it("answers a bad room name with the contract's JSON error instead of a stream", async () => {
    const response = await fetch(`${app.url}/api/rooms/${encodeURIComponent("no spaces?!")}/stream`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_room");
  });
});

describe("gRPC", () => {
  it("signs in with Login, and Send speaks as that user", async () => {
    const { username } = await register();
    const login = await grpc.call<{ user: { username: string; guest: boolean }; token: string }>("Login", { username, password: PASSWORD });
    expect(login.user).toEqual({ username, guest: false });
    const room = uniqueRoom();
    const sent = await grpc.call<{ message: Message }>("Send", { room, content: "signed in", clientId: "c-1" }, { token: login.token });
    expect(sent.message).toMatchObject({ username, guest: false, seq: 1, clientId: "c-1" });
    const again = await grpc.call<{ message: Message }>("Send", { room, content: "signed in", clientId: "c-1" }, { token: login.token });
    expect(again.message.id).toBe(sent.message.id);
  });

  it("answers contract errors with the matching status code and the contract's code", async () => {
    const room = uniqueRoom();
    const { username } = await register();
    expect(await grpc.fail("Send", { room: "no spaces?!", content: "x" })).toEqual({ code: status.INVALID_ARGUMENT, errorCode: "invalid_room" });
    expect(await grpc.fail("Send", { room, content: "   " })).toEqual({ code: status.INVALID_ARGUMENT, errorCode: "invalid_message" });
    expect(await grpc.fail("Send", { room, content: "x", clientId: "c".repeat(200) })).toEqual({ code: status.INVALID_ARGUMENT, errorCode: "invalid_payload" });
    expect(await grpc.fail("Send", { room, content: "x" }, { token: "forged" })).toEqual({ code: status.UNAUTHENTICATED, errorCode: "unauthorized" });
    expect(await grpc.fail("Send", { room, content: "x" }, { name: username })).toEqual({ code: status.ALREADY_EXISTS, errorCode: "name_taken" });
    expect(await grpc.fail("Login", { username, password: "wrong password" })).toEqual({ code: status.UNAUTHENTICATED, errorCode: "unauthorized" });
    expect(await grpc.fail("DeleteRoom", { room: uniqueRoom() }, { token: ADMIN_TOKEN })).toEqual({ code: status.NOT_FOUND, errorCode: "not_found" });
    const badWatch = grpc.watch("no spaces?!");
    expect((await badWatch.ended).code).toBe(status.INVALID_ARGUMENT);
  });

  it("throttles failed Logins like the HTTP login: the 6th in a minute is refused, even with the right password", async () => {
    // A server of its own: the throttle would refuse this file's other Logins from 127.0.0.1.
    const own = await startTestServer();
    const ownGrpc = connectGrpc(`127.0.0.1:${own.server.grpc!.port}`);
    try {
      const username = uniqueName();
      expect((await own.request("/api/auth/register", { method: "POST", json: { username, password: PASSWORD } })).status).toBe(201);
      for (let attempt = 1; attempt <= 5; attempt++) {
        expect(await ownGrpc.fail("Login", { username, password: "wrong password" })).toEqual({ code: status.UNAUTHENTICATED, errorCode: "unauthorized" });
      }
      expect(await ownGrpc.fail("Login", { username, password: PASSWORD })).toEqual({ code: status.RESOURCE_EXHAUSTED, errorCode: "rate_limited" });
      const overHttp = await own.request("/api/auth/login", { method: "POST", json: { username, password: PASSWORD } });
      expect(overHttp.status).toBe(429);
    } finally {
      ownGrpc.close();
      await own.close();
    }
  });

  it("frees a Watch when the client cancels it", async () => {
    const room = uniqueRoom();
    const watch = grpc.watch(room);
    await vi.waitFor(() => expect(watch.events).toHaveLength(1), WAIT);
    expect(app.server.registry.watcherCount(room)).toBe(1);
    watch.cancel();
    expect((await watch.ended).code).toBe(status.CANCELLED);
    await vi.waitFor(() => expect(app.server.registry.watcherCount(room)).toBe(0), WAIT);
    expect(app.server.grpc?.watches).toBe(0);
  });
});

describe("deleting a room", () => {
  it("lets the owner delete it: Socket.IO, SSE and gRPC watchers are told, streams end, and the history is gone", async () => {
    const owner = await register();
    const room = uniqueRoom();
    const ownerSocket = await app.connect({ cookie: owner.cookie });
    await joinWatching(ownerSocket, room);
    expect((await postMessage(room, "before", { cookie: owner.cookie })).status).toBe(201);
    const guest = await app.connect({ name: "onlooker" });
    await joinWatching(guest, room);
    const deletedPush = new Promise((resolve) => guest.once("room:deleted", resolve));
    const sse = await openSse(streamUrl(room));
    const watch = grpc.watch(room);
    await vi.waitFor(() => expect(watchedContents(watch)).toEqual(["before"]), WAIT);

    const deleted = await app.request(`/api/rooms/${room}`, { method: "DELETE", headers: { cookie: owner.cookie } });
    expect(deleted.status).toBe(204);

    expect(await deletedPush).toEqual({ room });
    await sse.ended;
    expect(sse.events.at(-1)).toEqual({ event: "deleted", data: { room } });
    expect((await watch.ended).code).toBe(status.OK);
    expect(watch.latest()).toMatchObject({ event: "deleted", deleted: { room } });
    expect(app.server.registry.watcherCount(room)).toBe(0);
    const history = (await (await app.request(`/api/rooms/${room}/messages`)).json()) as { messages: Message[] };
    expect(history.messages).toEqual([]);
    // The sockets left the deleted room: a message to the name now needs a new join.
    const late: Ack<SendReply> = await guest.emitWithAck("message:send", { room, content: "anyone?" });
    expect(!late.ok && late.error.code).toBe("not_joined");
  });

  it("answers 403 to a guest and to another registered user, and keeps the room", async () => {
    const owner = await register();
    const other = await register();
    const room = uniqueRoom();
    // Posting to a new room as a registered user makes them its owner, as joining does.
    expect((await postMessage(room, "mine", { cookie: owner.cookie })).status).toBe(201);
    const attempts: Array<Record<string, string>> = [{}, { cookie: other.cookie }];
    for (const headers of attempts) {
      const refused = await app.request(`/api/rooms/${room}`, { method: "DELETE", headers });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    }
    expect(await grpc.fail("DeleteRoom", { room }, { name: "someguest" })).toEqual({ code: status.PERMISSION_DENIED, errorCode: "forbidden" });
    const history = (await (await app.request(`/api/rooms/${room}/messages`)).json()) as { messages: Message[] };
    expect(contentsOf(history.messages)).toEqual(["mine"]);
  });

  it("lets the admin token delete any room, answers 401 to a wrong token and 404 to a room nobody used", async () => {
    const room = uniqueRoom();
    expect((await postMessage(room, "a guest's room")).status).toBe(201);
    const wrong = await app.request(`/api/rooms/${room}`, { method: "DELETE", headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const admin = await app.request(`/api/rooms/${room}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(admin.status).toBe(204);
    const unknown = await app.request(`/api/rooms/${uniqueRoom()}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(unknown.status).toBe(404);
  });

  it("lets the owner delete over gRPC with their Login token", async () => {
    const owner = await register();
    const room = uniqueRoom();
    const { token } = await grpc.call<{ token: string }>("Login", { username: owner.username, password: PASSWORD });
    await grpc.call("Send", { room, content: "over gRPC" }, { token });
    await grpc.call("DeleteRoom", { room }, { token });
    expect((await grpc.call<{ messages: Message[] }>("History", { room })).messages).toEqual([]);
  });
});

describe("slow readers", () => {
  it("gives an SSE client that reads slowly the newest list when it catches up, not every list in between", async () => {
    const room = uniqueRoom();
    const response = await new Promise<IncomingMessage>((resolve) => get(streamUrl(room), resolve));
    response.pause();
    const big = "x".repeat(1990);
    const total = 150;
    for (let i = 1; i <= total; i++) expect((await postMessage(room, `${i} ${big}`)).status).toBe(201);

    let text = "";
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => (text += chunk));
    response.resume();
    await vi.waitFor(() => expect(text).toContain(`"seq":${total}}`), { timeout: 15_000, interval: 50 });
    response.destroy();
    const lists = text.split("event: messages\n").length - 1;
    // Without coalescing the server would have queued all 151 lists (about 25 MB) for this one client.
    expect(lists).toBeLessThan(total + 1);
    const lastList = text.split("event: messages\ndata: ").at(-1)!.split("\n")[0]!;
    expect((JSON.parse(lastList) as RoomMessagesPush).seq).toBe(total);
  });

  it("gives a gRPC Watch that reads slowly the newest list when it catches up, not every list in between", async () => {
    const room = uniqueRoom();
    const watch = grpc.watch(room);
    await vi.waitFor(() => expect(watch.events).toHaveLength(1), WAIT);
    watch.pause();
    const big = "y".repeat(1990);
    const total = 150;
    for (let i = 1; i <= total; i++) expect((await postMessage(room, `${i} ${big}`)).status).toBe(201);
    watch.resume();
    await vi.waitFor(() => expect(watch.latest()).toMatchObject({ messages: { seq: total } }), { timeout: 15_000, interval: 50 });
    watch.cancel();
    // One list at once, then fewer than one per message: the server kept only the newest while blocked.
    expect(watch.events.length).toBeLessThan(total + 1);
  });
});
