// The HTTP contract against a real server on a free port.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, JoinReply, Message, RoomSummary } from "../../lib/protocol";
import { ADMIN_TOKEN, sessionCookie, startTestServer, type TestServer } from "../testing/test-server";

/** A guest is told apart from others of its name by a tag (lib/people.ts). */
const GUEST_TAG = /^\d{4}$/;

let app: TestServer;
let counter = 0;
const uniqueRoom = () => `api-test-${++counter}-${Date.now()}`;
const uniqueName = () => `user${++counter}x${Date.now() % 100_000}`;
const PASSWORD = "correct horse battery";

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});

async function errorOf(response: Response) {
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.message.length).toBeGreaterThan(10);
  return { status: response.status, code: body.error.code };
}

const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
  app.request(path, { method: "POST", json, headers });

async function postMessages(room: string, count: number) {
  for (let i = 1; i <= count; i++) {
    expect((await post(`/api/rooms/${room}/messages`, { content: `message ${i}` })).status).toBe(201);
  }
}

describe("accounts", () => {
  it("registers, reports the user as signed in, logs out and logs back in", async () => {
    const username = uniqueName();
    const registered = await post("/api/auth/register", { username, password: PASSWORD });
    expect(registered.status).toBe(201);
    expect(await registered.json()).toEqual({ user: { username, guest: false } });
    const cookie = sessionCookie(registered);
    expect(registered.headers.get("set-cookie")).toMatch(/HttpOnly/i);
    expect(registered.headers.get("set-cookie")).toMatch(/SameSite=Lax/i);

    const me = await app.request("/api/auth/me", { headers: { cookie } });
    expect(await me.json()).toEqual({ user: { username, guest: false } });

    const loggedOut = await post("/api/auth/logout", undefined, { cookie });
    expect(loggedOut.status).toBe(204);
    const cleared = sessionCookie(loggedOut);
    expect(await (await app.request("/api/auth/me", { headers: { cookie: cleared } })).json()).toEqual({
      user: { username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) },
    });

    const loggedIn = await post("/api/auth/login", { username: username.toUpperCase(), password: PASSWORD });
    expect(loggedIn.status).toBe(200);
    expect(await loggedIn.json()).toEqual({ user: { username, guest: false } });
  });

  it("answers a wrong password and an unknown name alike with 401", async () => {
    const username = uniqueName();
    await post("/api/auth/register", { username, password: PASSWORD });
    const wrong = await post("/api/auth/login", { username, password: "not the password" });
    const unknown = await post("/api/auth/login", { username: uniqueName(), password: PASSWORD });
    const wrongBody = await wrong.json();
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual(wrongBody);
  });

  it("refuses a name already held, whatever its case, with 409 name_taken", async () => {
    const username = uniqueName();
    await post("/api/auth/register", { username, password: PASSWORD });
    expect(await errorOf(await post("/api/auth/register", { username: username.toUpperCase(), password: PASSWORD }))).toEqual({
      status: 409,
      code: "name_taken",
    });
  });

  it("refuses bad usernames and passwords with 400", async () => {
    for (const body of [
      { username: "ab", password: PASSWORD },
      { username: "has space", password: PASSWORD },
      { username: uniqueName(), password: "short" },
      { username: uniqueName(), password: "é".repeat(37) },
      { username: uniqueName() },
      "just a string",
    ]) {
      expect(await errorOf(await post("/api/auth/register", body))).toEqual({ status: 400, code: "invalid_payload" });
    }
  });

  it("lets a guest pick a free name, and never a registered one", async () => {
    const chosen = await post("/api/auth/guest", { name: "wanderer" });
    expect(chosen.status).toBe(200);
    expect(await chosen.json()).toEqual({ user: { username: "wanderer", guest: true } });
    const me = await app.request("/api/auth/me", { headers: { cookie: sessionCookie(chosen) } });
    expect(await me.json()).toEqual({ user: { username: "wanderer", guest: true, tag: expect.stringMatching(GUEST_TAG) } });

    const username = uniqueName();
    await post("/api/auth/register", { username, password: PASSWORD });
    expect(await errorOf(await post("/api/auth/guest", { name: username.toLowerCase() }))).toEqual({
      status: 409,
      code: "name_taken",
    });
    expect(await errorOf(await post("/api/auth/guest", { name: "no spaces please" }))).toEqual({
      status: 400,
      code: "invalid_payload",
    });
    const back = await post("/api/auth/guest", {});
    expect(await back.json()).toEqual({ user: { username: "anon", guest: true } });
  });

  it("treats a forged session cookie as no session", async () => {
    const me = await app.request("/api/auth/me", { headers: { cookie: "livechat_session=Fe26.2**forged**value" } });
    expect(await me.json()).toEqual({ user: { username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) } });
  });
});

describe("rooms and messages", () => {
  it("posts a message that every joined socket receives in the full list", async () => {
    const room = uniqueRoom();
    const client = await app.connect();
    const joined = (await client.timeout(5000).emitWithAck("room:join", { room })) as Ack<JoinReply>;
    expect(joined.ok).toBe(true);
    const pushed = new Promise<Message[]>((resolve) => client.on("room:messages", (push) => resolve(push.messages)));
    const response = await post(`/api/rooms/${room}/messages`, { content: "from curl", clientId: "http-1" });
    expect(response.status).toBe(201);
    const { message } = (await response.json()) as { message: Message };
    expect(message).toMatchObject({ room, seq: 1, username: "anon", guest: true, content: "from curl", clientId: "http-1" });
    expect(await pushed).toEqual([message]);

    const again = await post(`/api/rooms/${room}/messages`, { content: "from curl", clientId: "http-1" });
    expect(((await again.json()) as { message: Message }).message).toEqual(message);
  });

  it("signs a registered user's post with their name", async () => {
    const username = uniqueName();
    const cookie = sessionCookie(await post("/api/auth/register", { username, password: PASSWORD }));
    const response = await post(`/api/rooms/${uniqueRoom()}/messages`, { content: "hi" }, { cookie });
    expect(((await response.json()) as { message: Message }).message).toMatchObject({ username, guest: false });
  });

  it("pages back through history with before and limit", async () => {
    const room = uniqueRoom();
    await postMessages(room, 12);
    const newest = (await (await app.request(`/api/rooms/${room}/messages?limit=5`)).json()) as { messages: Message[] };
    expect(newest.messages.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);
    const older = (await (await app.request(`/api/rooms/${room}/messages?before=8&limit=5`)).json()) as {
      messages: Message[];
    };
    expect(older.messages.map((m) => m.seq)).toEqual([3, 4, 5, 6, 7]);
    const oldest = (await (await app.request(`/api/rooms/${room}/messages?before=3&limit=5`)).json()) as {
      messages: Message[];
    };
    expect(oldest.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it("gives at most 200 messages a page, however many are asked for", async () => {
    const room = uniqueRoom();
    for (let i = 1; i <= 201; i++) await app.server.registry.send(room, { author: { username: "anon", guest: true }, content: `m${i}` });
    const page = (await (await app.request(`/api/rooms/${room}/messages?limit=500`)).json()) as { messages: Message[] };
    expect(page.messages).toHaveLength(200);
    expect(page.messages[0]!.seq).toBe(2);
  });

  it("refuses a malformed limit or cursor with 400", async () => {
    const room = uniqueRoom();
    for (const query of ["limit=0", "limit=abc", "before=-1", "before=1.5", "before=0"]) {
      expect(await errorOf(await app.request(`/api/rooms/${room}/messages?${query}`))).toEqual({
        status: 400,
        code: "invalid_payload",
      });
    }
  });

  it("refuses bad room names and bad messages with their codes", async () => {
    expect(await errorOf(await app.request(`/api/rooms/${encodeURIComponent("<b>")}/messages`))).toEqual({
      status: 400,
      code: "invalid_room",
    });
    expect(await errorOf(await post(`/api/rooms/${uniqueRoom()}/messages`, { content: "   " }))).toEqual({
      status: 400,
      code: "invalid_message",
    });
    expect(await errorOf(await post(`/api/rooms/${uniqueRoom()}/messages`, { text: "hi" }))).toEqual({
      status: 400,
      code: "invalid_payload",
    });
  });

  it("lists live rooms with their member counts", async () => {
    const room = uniqueRoom();
    const a = await app.connect({ name: "lister_a" });
    const b = await app.connect({ name: "lister_b" });
    await a.timeout(5000).emitWithAck("room:join", { room });
    await b.timeout(5000).emitWithAck("room:join", { room });
    await post(`/api/rooms/${room}/messages`, { content: "hello" });
    const { rooms } = (await (await app.request("/api/rooms")).json()) as { rooms: RoomSummary[] };
    const listed = rooms.find((r) => r.name === room);
    expect(listed).toMatchObject({ name: room, members: 2, messages: 1 });
    expect(Date.parse(listed!.lastActivity!)).not.toBeNaN();
  });
});

describe("bodies and origins", () => {
  it("refuses a state change from another site's page with 403", async () => {
    const response = await post(`/api/rooms/${uniqueRoom()}/messages`, { content: "csrf" }, { origin: "http://evil.example" });
    expect(await errorOf(response)).toEqual({ status: 403, code: "forbidden" });
  });

  it("serves a state change from its own origin", async () => {
    const response = await post(`/api/rooms/${uniqueRoom()}/messages`, { content: "same site" }, { origin: app.url });
    expect(response.status).toBe(201);
  });

  it("refuses bodies that are not JSON, not parseable, or too large", async () => {
    const room = uniqueRoom();
    const form = await app.request(`/api/rooms/${room}/messages`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "content=hi",
    });
    expect(await errorOf(form)).toEqual({ status: 415, code: "invalid_payload" });
    const broken = await app.request(`/api/rooms/${room}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(await errorOf(broken)).toEqual({ status: 400, code: "invalid_payload" });
    const huge = await post(`/api/rooms/${room}/messages`, { content: "x".repeat(100_000) });
    expect(await errorOf(huge)).toEqual({ status: 413, code: "invalid_payload" });
  });

  it("answers an unknown API route with 404 in the error shape", async () => {
    expect(await errorOf(await app.request("/api/nothing-here"))).toEqual({ status: 404, code: "not_found" });
  });

  it("reports health with the node name and counts", async () => {
    const health = (await (await app.request("/api/health")).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: "ok", node: "test-node" });
    expect(typeof health.uptimeS).toBe("number");
    expect(typeof health.rooms).toBe("number");
    expect(typeof health.connections).toBe("number");
  });
});

describe("the admin crash route", () => {
  const crash = (room: string, token = ADMIN_TOKEN) =>
    app.request(`/api/admin/rooms/${room}/crash`, { method: "POST", headers: { authorization: `Bearer ${token}` } });

  it("restarts the room with its history and seq carries on, pushes reaching the open pages", async () => {
    const room = uniqueRoom();
    const client = await app.connect();
    await client.timeout(5000).emitWithAck("room:join", { room });
    await postMessages(room, 3);
    const restartsBefore = app.server.registry.restarts;
    const crashed = await crash(room);
    expect(crashed.status).toBe(200);
    expect(app.server.registry.restarts).toBe(restartsBefore + 1);

    const pushed = new Promise<Message[]>((resolve) =>
      client.on("room:messages", (push) => push.seq === 4 && resolve(push.messages)),
    );
    const sent = (await client.timeout(5000).emitWithAck("message:send", { room, content: "after the crash" })) as Ack<{
      message: Message;
    }>;
    expect(sent).toMatchObject({ ok: true, message: { seq: 4 } });
    expect((await pushed).map((m) => m.content)).toEqual(["message 1", "message 2", "message 3", "after the crash"]);
  });

  it("refuses a wrong token with 401", async () => {
    const room = uniqueRoom();
    await postMessages(room, 1);
    expect(await errorOf(await crash(room, "wrong"))).toEqual({ status: 401, code: "unauthorized" });
  });

  it("does not exist where no ADMIN_TOKEN is set", async () => {
    const bare = await startTestServer({ ADMIN_TOKEN: "" });
    try {
      const response = await bare.request("/api/admin/rooms/lobby/crash", {
        method: "POST",
        headers: { authorization: "Bearer " },
      });
      expect(await errorOf(response)).toEqual({ status: 404, code: "not_found" });
    } finally {
      await bare.close();
    }
  });
});
