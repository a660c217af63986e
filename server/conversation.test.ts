// The conversation over the real server: Socket.IO, HTTP and gRPC carry edits,
// deletes, replies, reactions and pins with the same rules, and every page of the
// room is pushed the changed message and the list. The cluster project runs it on
// two nodes (PostgreSQL, Redis): the two people are then on different nodes.
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, Message, RoomSettings } from "../lib/protocol";
import { emitAck as emit, nextPush, okOf } from "./testing/socket-calls";
import { connectGrpc } from "./testing/test-clients";
import { ADMIN_TOKEN, sessionCookie, startTestServer, type TestClient, type TestServer } from "./testing/test-server";

let app: TestServer;
let counter = 0;
const uniqueRoom = () => `conversation-${++counter}-${Date.now()}`;
const uniqueName = (prefix: string) => `${prefix}${++counter}${Date.now() % 100000}`;

beforeAll(async () => {
  app = await startTestServer({}, { authLimits: { registrationsPerIp: { limit: 1000, windowMs: 60_000 } } });
});
afterAll(async () => {
  await app.close();
});

function codeOf(ack: Ack): string | undefined {
  return ack.ok ? undefined : ack.error.code;
}

async function signUp(username: string): Promise<string> {
  const response = await app.request("/api/auth/register", { method: "POST", json: { username, password: "correct horse" } });
  expect(response.status).toBe(201);
  return sessionCookie(response);
}

/** Two people joined to a new room (on two nodes in the cluster projects); the first owns it. */
async function twoPeople(): Promise<{ room: string; owner: TestClient; kim: TestClient; ownerName: string; ownerCookie: string; kimCookie: string }> {
  const room = uniqueRoom();
  const ownerName = uniqueName("ada");
  const ownerCookie = await signUp(ownerName);
  const kimCookie = await signUp(uniqueName("kim"));
  const owner = await app.connect({ cookie: ownerCookie });
  const kim = await app.connect({ cookie: kimCookie });
  okOf(await emit(owner, "room:join", { room }));
  okOf(await emit(kim, "room:join", { room }));
  return { room, owner, kim, ownerName, ownerCookie, kimCookie };
}

async function send(client: TestClient, room: string, content: string, replyTo?: number): Promise<Message> {
  return okOf(await emit<{ message: Message }>(client, "message:send", { room, content, ...(replyTo !== undefined ? { replyTo } : {}) })).message;
}

describe("the conversation over Socket.IO", () => {
  it("pushes an edit to the other person as the changed message and in the list", async () => {
    const { room, owner, kim } = await twoPeople();
    // Listen before sending: on two nodes Kim's push may arrive before the owner's ack.
    const seen = nextPush(kim, "room:messages", (push) => push.messages.some((m) => m.content === "helo"));
    const sent = await send(owner, room, "helo");
    await seen;
    const changed = nextPush(kim, "room:message", (push) => push.message.seq === sent.seq);
    const listed = nextPush(kim, "room:messages", (push) => push.messages.some((m) => m.content === "hello"));
    const edited = okOf(await emit<{ message: Message }>(owner, "message:edit", { room, seq: sent.seq, content: "hello" })).message;
    expect(edited).toMatchObject({ seq: sent.seq, content: "hello", editedAt: expect.any(String) });
    expect((await changed).message).toEqual(edited);
    expect((await listed).messages.at(-1)).toEqual(edited);
    expect(codeOf(await emit(kim, "message:edit", { room, seq: sent.seq, content: "mine now" }))).toBe("forbidden");
  });

  it("keeps a reply to a message deleted later, whose tombstone every page gets", async () => {
    const { room, owner, kim } = await twoPeople();
    const question = await send(kim, room, "anyone there?");
    const answer = await send(owner, room, "yes", question.seq);
    expect(answer.replyTo).toBe(question.seq);
    expect(codeOf(await emit(owner, "message:send", { room, content: "to nothing", replyTo: 999 }))).toBe("not_found");
    const gone = nextPush(owner, "room:message", (push) => push.message.deleted === true);
    okOf(await emit(kim, "message:delete", { room, seq: question.seq }));
    expect((await gone).message).toMatchObject({ seq: question.seq, content: "", deleted: true });
    const page = (await (await app.request(`/api/rooms/${room}/messages`)).json()) as { messages: Message[] };
    expect(page.messages.map((m) => [m.seq, m.content, m.replyTo])).toEqual([
      [question.seq, "", undefined],
      [answer.seq, "yes", question.seq],
    ]);
  });

  it("toggles reactions for each person and lets the owner pin, with settings.pinned pushed to the room", async () => {
    const { room, owner, kim, ownerName } = await twoPeople();
    const sent = await send(kim, room, "ship it");
    const reacted = nextPush(kim, "room:message", (push) => push.message.reactions?.[0]?.users.length === 1);
    okOf(await emit(owner, "message:react", { room, seq: sent.seq, emoji: "🚀", on: true }));
    expect((await reacted).message.reactions).toEqual([{ emoji: "🚀", users: [ownerName] }]);
    const both = okOf(await emit<{ message: Message }>(kim, "message:react", { room, seq: sent.seq, emoji: "🚀", on: true })).message;
    expect(both.reactions![0]!.users).toHaveLength(2);
    expect(codeOf(await emit(kim, "message:react", { room, seq: sent.seq, emoji: "yes", on: true }))).toBe("invalid_payload");

    expect(codeOf(await emit(kim, "message:pin", { room, seq: sent.seq, on: true }))).toBe("forbidden");
    const settings = nextPush(kim, "room:settings", (push) => push.settings.pinned.length === 1);
    const pinned = okOf(await emit<{ message: Message }>(owner, "message:pin", { room, seq: sent.seq, on: true })).message;
    expect(pinned.pinned).toBe(true);
    expect(((await settings) as { settings: RoomSettings }).settings.pinned).toEqual([sent.seq]);
  });
});

describe("the conversation over HTTP", () => {
  it("reacts through PUT and DELETE of /reactions/:emoji (percent-encoded), and refuses text", async () => {
    const { room, kim, kimCookie } = await twoPeople();
    const sent = await send(kim, room, "react here");
    const path = `/api/rooms/${room}/messages/${sent.seq}/reactions/${encodeURIComponent("👍")}`;
    const put = await app.request(path, { method: "PUT", headers: { cookie: kimCookie } });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { message: Message }).message.reactions).toHaveLength(1);
    const removed = await app.request(path, { method: "DELETE", headers: { cookie: kimCookie } });
    expect(((await removed.json()) as { message: Message }).message.reactions).toBeUndefined();
    const text = await app.request(`/api/rooms/${room}/messages/${sent.seq}/reactions/ok`, { method: "PUT", headers: { cookie: kimCookie } });
    expect(text.status).toBe(400);
    // A guest with no session would be a new person at every request: it cannot react.
    expect((await app.request(path, { method: "PUT" })).status).toBe(403);
  });

  it("pins through PUT /pin for the owner and the admin token, 403 for a member; deletes 404 for a missing seq", async () => {
    const { room, kim, ownerCookie, kimCookie } = await twoPeople();
    const sent = await send(kim, room, "pin me");
    const pinPath = `/api/rooms/${room}/messages/${sent.seq}/pin`;
    expect((await app.request(pinPath, { method: "PUT", headers: { cookie: kimCookie } })).status).toBe(403);
    expect((await app.request(pinPath, { method: "PUT", headers: { cookie: ownerCookie } })).status).toBe(200);
    expect((await app.request(pinPath, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    const details = (await (await app.request(`/api/rooms/${room}`)).json()) as { settings: RoomSettings };
    expect(details.settings.pinned).toEqual([]);
    expect((await app.request(`/api/rooms/${room}/messages/999`, { method: "DELETE", headers: { cookie: ownerCookie } })).status).toBe(404);
  });
});

describe("the conversation over gRPC", () => {
  it("edits, reacts, pins and deletes with the same rules and error codes", async () => {
    const grpc = connectGrpc(`127.0.0.1:${app.server.grpc!.port}`);
    try {
      const { room, kim, ownerName } = await twoPeople();
      const { token } = await grpc.call<{ token: string }>("Login", { username: ownerName, password: "correct horse" });
      const asOwner = { token };
      const theirs = await send(kim, room, "someone else's");
      const { message: mine } = await grpc.call<{ message: { seq: number; replyTo: number } }>(
        "Send",
        { room, content: "helo", replyTo: theirs.seq },
        asOwner,
      );
      expect(mine.replyTo).toBe(theirs.seq);
      const { message: edited } = await grpc.call<{ message: { content: string; editedAt: string } }>("Edit", { room, seq: mine.seq, content: "hello" }, asOwner);
      expect(edited.content).toBe("hello");
      expect(edited.editedAt).not.toBe("");
      expect(await grpc.fail("Edit", { room, seq: theirs.seq, content: "not mine" }, asOwner)).toEqual({ code: status.PERMISSION_DENIED, errorCode: "forbidden" });
      expect(await grpc.fail("Edit", { room, seq: 0, content: "x" }, asOwner)).toEqual({ code: status.INVALID_ARGUMENT, errorCode: "invalid_payload" });
      const { message: reacted } = await grpc.call<{ message: { reactions: unknown[] } }>("React", { room, seq: theirs.seq, emoji: "🎉", on: true }, asOwner);
      expect(reacted.reactions).toEqual([{ emoji: "🎉", users: [ownerName] }]);
      expect(await grpc.fail("React", { room, seq: theirs.seq, emoji: "🎉", on: true }, { name: "guest" })).toEqual({ code: status.PERMISSION_DENIED, errorCode: "forbidden" });
      const { message: pinned } = await grpc.call<{ message: { pinned: boolean } }>("Pin", { room, seq: theirs.seq, on: true }, asOwner);
      expect(pinned.pinned).toBe(true);
      const { message: gone } = await grpc.call<{ message: { deleted: boolean; content: string; pinned: boolean; reactions: unknown[] } }>("Delete", { room, seq: theirs.seq }, asOwner);
      expect(gone).toMatchObject({ deleted: true, content: "", pinned: false, reactions: [] });
      expect(await grpc.fail("Delete", { room, seq: 999 }, asOwner)).toEqual({ code: status.NOT_FOUND, errorCode: "not_found" });
    } finally {
      grpc.close();
    }
  });
});
