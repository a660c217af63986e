// Rooms with owners over the real server: Socket.IO and HTTP carry settings and
// moderation with the same rules, pushes reach the room, and a removed person's
// connections leave.
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, JoinReply, RoomSettings } from "../lib/protocol";
import { emitAck as emit, nextPush, okOf } from "./testing/socket-calls";
import { connectGrpc, openSse } from "./testing/test-clients";
import { ADMIN_TOKEN, sessionCookie, startTestServer, type TestClient, type TestServer } from "./testing/test-server";

let app: TestServer;
let counter = 0;
const uniqueRoom = () => `owners-${++counter}-${Date.now()}`;
const uniqueName = (prefix: string) => `${prefix}${++counter}${Date.now() % 100000}`;

beforeAll(async () => {
  // Many accounts from one address: registration's throttle is not what these tests are about.
  app = await startTestServer({}, { authLimits: { registrationsPerIp: { limit: 1000, windowMs: 60_000 } } });
});
afterAll(async () => {
  await app.close();
});

/** Registers a user; answers the session cookie. */
async function signUp(username: string): Promise<string> {
  const response = await app.request("/api/auth/register", { method: "POST", json: { username, password: "correct horse" } });
  expect(response.status).toBe(201);
  return sessionCookie(response);
}

/** A guest's session cookie under `name`, begun as a browser's first visit begins it (lib/people.ts). */
async function guestSession(name: string): Promise<string> {
  const named = await app.request("/api/auth/guest", { method: "POST", json: { name } });
  expect(named.status).toBe(200);
  return sessionCookie(await app.request("/api/auth/me", { headers: { cookie: sessionCookie(named) } }));
}

/** Resolves once `join` is refused `forbidden`, which the issue bounds at one second after the ack on every node. */
async function refusedWithinASecond(join: () => Promise<unknown>): Promise<void> {
  await expect.poll(async () => ((await join()) as { error?: { code: string } }).error?.code, { timeout: 1000, interval: 25 }).toBe("forbidden");
}

/** A join's role, or the code it was refused with. */
function roleOrRefusal(ack: Ack<JoinReply>): string {
  return ack.ok ? ack.role : ack.error.code;
}

async function joined(client: TestClient, room: string): Promise<JoinReply> {
  return okOf(await emit<JoinReply>(client, "room:join", { room }));
}

describe("settings over Socket.IO and HTTP", () => {
  it("pushes room:settings and a notice to the room when the owner sets the topic", async () => {
    const room = uniqueRoom();
    const ada = uniqueName("ada");
    const owner = await app.connect({ cookie: await signUp(ada) });
    const guest = await app.connect({ name: uniqueName("g") });
    expect((await joined(owner, room)).role).toBe("owner");
    expect((await joined(guest, room)).role).toBe("guest");
    const pushed = nextPush(guest, "room:settings");
    const notice = nextPush(guest, "room:notice", (push) => push.kind === "settings");
    const reply = okOf(await emit<{ settings: RoomSettings }>(owner, "room:configure", { room, topic: "Launch day" }));
    expect(reply.settings).toMatchObject({ topic: "Launch day", owner: ada });
    expect((await pushed).settings.topic).toBe("Launch day");
    expect((await notice).text).toBe(`${ada} set the topic to "Launch day"`);
    const details = await app.request(`/api/rooms/${room}`);
    expect(await details.json()).toMatchObject({ room, settings: { topic: "Launch day" } });
  });

  it("answers PATCH /api/rooms/:name 403 for a member and 200 for the admin token", async () => {
    const room = uniqueRoom();
    const owner = await app.connect({ cookie: await signUp(uniqueName("own")) });
    await joined(owner, room);
    const member = await signUp(uniqueName("mem"));
    expect((await app.request(`/api/rooms/${room}`, { method: "PATCH", headers: { cookie: member }, json: { topic: "x" } })).status).toBe(403);
    const admin = await app.request(`/api/rooms/${room}`, { method: "PATCH", headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, json: { readOnly: true } });
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as { settings: RoomSettings }).settings.readOnly).toBe(true);
  });
});

describe("moderation over Socket.IO and HTTP", () => {
  it("kicks a person off every connection of theirs with room:removed; they may come back", async () => {
    const room = uniqueRoom();
    const owner = await app.connect({ cookie: await signUp(uniqueName("own")) });
    await joined(owner, room);
    const kim = uniqueName("kim");
    const kimCookie = await signUp(kim);
    const tabs = [await app.connect({ cookie: kimCookie }), await app.connect({ cookie: kimCookie })];
    for (const tab of tabs) await joined(tab, room);
    const removed = tabs.map((tab) => nextPush(tab, "room:removed"));
    const gone = nextPush(owner, "room:presence", (push) => !push.members.some((member) => member.username === kim));
    okOf(await emit(owner, "room:moderate", { room, action: "kick", username: kim, reason: "cool off" }));
    for (const push of await Promise.all(removed)) expect(push).toMatchObject({ room, reason: "cool off", banned: false });
    await gone;
    const again = await emit(tabs[0]!, "message:send", { room, content: "still here?" });
    expect(again).toMatchObject({ ok: false, error: { code: "not_joined" } });
    expect((await joined(tabs[0]!, room)).role).toBe("member");
  });

  it("bans through POST /api/rooms/:name/moderation: the person cannot join again, and the audit log says so", async () => {
    const room = uniqueRoom();
    const ownerCookie = await signUp(uniqueName("own"));
    const owner = await app.connect({ cookie: ownerCookie });
    await joined(owner, room);
    const lee = uniqueName("lee");
    const leeCookie = await signUp(lee);
    const leeTab = await app.connect({ cookie: leeCookie });
    await joined(leeTab, room);
    const removed = nextPush(leeTab, "room:removed");
    const ban = await app.request(`/api/rooms/${room}/moderation`, { method: "POST", headers: { cookie: ownerCookie }, json: { action: "ban", username: lee, reason: "spam" } });
    expect(ban.status).toBe(204);
    expect(await removed).toMatchObject({ banned: true, reason: "spam" });
    // On the first node, which took the ban (HTTP goes there): another node learns of it within a second (below).
    const refused = await emit(await app.connect({ cookie: leeCookie, node: 0 }), "room:join", { room });
    expect(refused).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const audit = await app.request(`/api/rooms/${room}/audit`, { headers: { cookie: ownerCookie } });
    expect(((await audit.json()) as { entries: unknown[] }).entries).toEqual([expect.objectContaining({ action: "ban", username: lee, reason: "spam" })]);
    expect((await app.request(`/api/rooms/${room}/audit`, { headers: { cookie: leeCookie } })).status).toBe(403);
  });
});

describe("private rooms from every door", () => {
  it("refuses a stranger at Socket.IO, history, SSE and gRPC, never lists the room, and admits an invite link", async () => {
    const room = uniqueRoom();
    const ownerCookie = await signUp(uniqueName("own"));
    const owner = await app.connect({ cookie: ownerCookie });
    await joined(owner, room);
    okOf(await emit(owner, "message:send", { room, content: "secret plans" }));
    okOf(await emit(owner, "room:configure", { room, visibility: "private" }));
    const strangerCookie = await signUp(uniqueName("str"));
    const stranger = await app.connect({ cookie: strangerCookie });

    expect(await emit(stranger, "room:join", { room })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect((await app.request(`/api/rooms/${room}/messages`, { headers: { cookie: strangerCookie } })).status).toBe(403);
    expect((await app.request(`/api/rooms/${room}/stream`, { headers: { cookie: strangerCookie } })).status).toBe(403);
    expect((await app.request(`/api/rooms/${room}`, { headers: { cookie: strangerCookie } })).status).toBe(403);
    const listed = (await (await app.request("/api/rooms")).json()) as { rooms: Array<{ name: string }> };
    expect(listed.rooms.map((listedRoom) => listedRoom.name)).not.toContain(room);
    const grpc = connectGrpc(`127.0.0.1:${app.server.grpc!.port}`);
    try {
      expect((await grpc.fail("History", { room }, { name: uniqueName("g") })).errorCode).toBe("forbidden");
      expect((await grpc.watch(room, { name: uniqueName("g") }).ended).code).toBe(status.PERMISSION_DENIED);
    } finally {
      grpc.close();
    }

    const invite = await app.request(`/api/rooms/${room}/invites`, { method: "POST", headers: { cookie: ownerCookie } });
    expect(invite.status).toBe(201);
    const { url } = (await invite.json()) as { url: string };
    const token = new URL(url, app.url).searchParams.get("invite")!;
    expect(await emit(stranger, "room:join", { room, invite: `${token}x` })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const admitted = okOf(await emit<JoinReply>(stranger, "room:join", { room, invite: token }));
    expect(admitted.messages.map((message) => message.content)).toEqual(["secret plans"]);
    // A member now, from any door. (HTTP goes to the first node; in the cluster project the
    // stranger may have joined on the other, and the first reads the membership again on the store's feed.)
    await expect.poll(async () => (await app.request(`/api/rooms/${room}/messages`, { headers: { cookie: strangerCookie } })).status).toBe(200);
  });

  it("keeps a private room's messages out of a stranger's search, in the room and across rooms", async () => {
    const room = uniqueRoom();
    const word = `zebrafish${counter}`;
    const ownerCookie = await signUp(uniqueName("own"));
    const owner = await app.connect({ cookie: ownerCookie });
    await joined(owner, room);
    okOf(await emit(owner, "message:send", { room, content: `the ${word} plan` }));
    okOf(await emit(owner, "room:configure", { room, visibility: "private" }));
    const strangerCookie = await signUp(uniqueName("str"));
    const inRoom = await app.request(`/api/rooms/${room}/search?q=${word}`, { headers: { cookie: strangerCookie } });
    expect(inRoom.status).toBe(403);
    const everywhere = await app.request(`/api/search?q=${word}`, { headers: { cookie: strangerCookie } });
    expect(((await everywhere.json()) as { messages: unknown[] }).messages).toEqual([]);
    // The owner still finds it: the search works, the stranger is kept out.
    await expect
      .poll(async () => ((await (await app.request(`/api/search?q=${word}`, { headers: { cookie: ownerCookie } })).json()) as { messages: unknown[] }).messages.length)
      .toBe(1);
  });

  it("keeps the people invited by name and the members it had when it became private", async () => {
    const room = uniqueRoom();
    const ownerCookie = await signUp(uniqueName("own"));
    const owner = await app.connect({ cookie: ownerCookie });
    await joined(owner, room);
    const friend = uniqueName("fr");
    const friendCookie = await signUp(friend);
    const presentCookie = await signUp(uniqueName("pr"));
    const present = await app.connect({ cookie: presentCookie });
    await joined(present, room);
    okOf(await emit(owner, "room:configure", { room, visibility: "private" }));
    okOf(await emit(present, "room:leave", { room }));
    expect((await joined(await app.connect({ cookie: presentCookie }), room)).role).toBe("member");
    okOf(await emit(owner, "room:moderate", { room, action: "invite", username: friend }));
    // In the cluster project the friend is on the other node, whose worker reads the
    // invitation again on the store's feed: it is let in once that node has it.
    const friendTab = await app.connect({ cookie: friendCookie });
    await expect.poll(async () => roleOrRefusal(await emit<JoinReply>(friendTab, "room:join", { room }))).toBe("member");
  });
});

// In the cluster project (vitest.config.ts) the test server is two nodes sharing a
// PostgreSQL and a redis-server: the keeper acts on the first node and the person is on the other.
// With one node, both are on it.
describe("kick and ban across nodes", () => {
  it("a kick made on one node reaches the person's connection on the other, and they may come back", async () => {
    const room = uniqueRoom();
    const owner = await app.connect({ cookie: await signUp(uniqueName("own")), node: 0 });
    await joined(owner, room);
    const kim = uniqueName("kim");
    const elsewhere = await app.connect({ cookie: await signUp(kim), node: app.nodes.length - 1 });
    await joined(elsewhere, room);
    const removed = nextPush(elsewhere, "room:removed");
    okOf(await emit(owner, "room:moderate", { room, action: "kick", username: kim, reason: "cool off" }));
    expect(await removed).toEqual({ room, reason: "cool off", by: expect.any(String), username: kim, guest: false, banned: false });
    expect(await emit(elsewhere, "message:send", { room, content: "still here?" })).toMatchObject({ ok: false, error: { code: "not_joined" } });
    expect((await joined(elsewhere, room)).role).toBe("member");
  });

  it("a ban made on one node holds on the other within a second: the person is removed there and refused", async () => {
    const room = uniqueRoom();
    const ownerCookie = await signUp(uniqueName("own"));
    const owner = await app.connect({ cookie: ownerCookie, node: 0 });
    await joined(owner, room);
    const lee = uniqueName("lee");
    const leeCookie = await signUp(lee);
    const elsewhere = await app.connect({ cookie: leeCookie, node: app.nodes.length - 1 });
    await joined(elsewhere, room);
    const removed = nextPush(elsewhere, "room:removed");
    // HTTP requests go to the first node.
    const ban = await app.request(`/api/rooms/${room}/moderation`, { method: "POST", headers: { cookie: ownerCookie }, json: { action: "ban", username: lee, reason: "spam" } });
    expect(ban.status).toBe(204);
    const acked = Date.now();
    expect(await removed).toMatchObject({ room, username: lee, banned: true, reason: "spam" });
    // The bound: on every node within one second of the ack.
    await expect
      .poll(async () => ((await emit(elsewhere, "room:join", { room })) as { error?: { code: string } }).error?.code, { timeout: 1000, interval: 25 })
      .toBe("forbidden");
    expect(Date.now() - acked).toBeLessThan(1000);
    const fresh = await app.connect({ cookie: leeCookie, node: app.nodes.length - 1 });
    expect(await emit(fresh, "room:join", { room })).toMatchObject({ ok: false, error: { code: "forbidden", message: `You are banned from room "${room}" (spam).` } });
    expect((await app.request(`/api/rooms/${room}/messages`, { headers: { cookie: leeCookie } })).status).toBe(403);
  });

  it("a ban made on one node reaches a guest connected to the other: removed within a second, its session refused on both", async () => {
    const room = uniqueRoom();
    const owner = await app.connect({ cookie: await signUp(uniqueName("own")), node: 0 });
    await joined(owner, room);
    const troll = uniqueName("troll");
    const trollCookie = await guestSession(troll);
    const far = app.nodes.length - 1;
    const elsewhere = await app.connect({ cookie: trollCookie, node: far });
    expect((await joined(elsewhere, room)).role).toBe("guest");
    const removed = nextPush(elsewhere, "room:removed");
    okOf(await emit(owner, "room:moderate", { room, action: "ban", username: troll, reason: "spam" }));
    const acked = Date.now();
    expect(await removed).toMatchObject({ room, username: troll, guest: true, banned: true, reason: "spam" });
    await refusedWithinASecond(() => emit(elsewhere, "room:join", { room }));
    expect(Date.now() - acked).toBeLessThan(1000);
    for (const node of [0, far]) {
      const again = await app.connect({ cookie: trollCookie, node });
      expect(await emit(again, "room:join", { room })).toMatchObject({ ok: false, error: { code: "forbidden", message: `You are banned from room "${room}" (spam).` } });
    }
    // The ban holds for the guest's session, not its address: another guest from the same address comes in.
    expect((await joined(await app.connect({ name: uniqueName("g"), node: far }), room)).role).toBe("guest");
  });

  it("an address ban made on one node holds for a guest on the other: a new session from its address is refused on both", async () => {
    const room = uniqueRoom();
    const ownerCookie = await signUp(uniqueName("own"));
    const owner = await app.connect({ cookie: ownerCookie, node: 0 });
    await joined(owner, room);
    const troll = uniqueName("troll");
    const far = app.nodes.length - 1;
    const elsewhere = await app.connect({ cookie: await guestSession(troll), node: far });
    await joined(elsewhere, room);
    const removed = nextPush(elsewhere, "room:removed");
    okOf(await emit(owner, "room:moderate", { room, action: "ban", username: troll, address: true }));
    await removed;
    // Clearing cookies is a new guest session: the address still holds it out, on both nodes.
    const cleared = await app.connect({ cookie: await guestSession(uniqueName("new")), node: far });
    await refusedWithinASecond(() => emit(cleared, "room:join", { room }));
    const onFirst = await app.connect({ cookie: await guestSession(uniqueName("new")), node: 0 });
    expect(await emit(onFirst, "room:join", { room })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    // The owner behind the same address is never kept out.
    expect((await joined(await app.connect({ cookie: ownerCookie, node: far }), room)).role).toBe("owner");
  });

  it("a mute made on one node holds for a guest on the other within a second: it reads but cannot post", async () => {
    const room = uniqueRoom();
    const owner = await app.connect({ cookie: await signUp(uniqueName("own")), node: 0 });
    await joined(owner, room);
    const quiet = uniqueName("quiet");
    const quietCookie = await guestSession(quiet);
    const far = app.nodes.length - 1;
    const elsewhere = await app.connect({ cookie: quietCookie, node: far });
    await joined(elsewhere, room);
    okOf(await emit(elsewhere, "message:send", { room, content: "before the mute" }));
    okOf(await emit(owner, "room:moderate", { room, action: "mute", username: quiet }));
    const acked = Date.now();
    await expect
      .poll(async () => ((await emit(elsewhere, "message:send", { room, content: "still talking" })) as { error?: { code: string } }).error?.code, {
        timeout: 1000,
        interval: 25,
      })
      .toBe("forbidden");
    expect(Date.now() - acked).toBeLessThan(1000);
    // It still reads, and the mute holds for its session on the first node too.
    const here = await app.connect({ cookie: quietCookie, node: 0 });
    expect((await joined(here, room)).messages.map((message) => message.content)).toContain("before the mute");
    expect(await emit(here, "message:send", { room, content: "from the other node" })).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: `You are muted in room "${room}": you may read but not post.` },
    });
  });
});

describe("private rooms across nodes", () => {
  it("a room made private on one node keeps a guest connected to the other as a member, in its session", async () => {
    const room = uniqueRoom();
    const owner = await app.connect({ cookie: await signUp(uniqueName("own")), node: 0 });
    await joined(owner, room);
    const far = app.nodes.length - 1;
    const guestCookie = await guestSession(uniqueName("guest"));
    const elsewhere = await app.connect({ cookie: guestCookie, node: far });
    await joined(elsewhere, room);
    okOf(await emit(owner, "room:configure", { room, visibility: "private" }));
    // Once the other node has the room private, a stranger there is refused...
    const stranger = await app.connect({ cookie: await guestSession(uniqueName("str")), node: far });
    await refusedWithinASecond(() => emit(stranger, "room:join", { room }));
    // ...and the guest who was in it comes back, there and on the first node.
    okOf(await emit(elsewhere, "room:leave", { room }));
    expect((await joined(elsewhere, room)).role).toBe("guest");
    expect((await joined(await app.connect({ cookie: guestCookie, node: 0 }), room)).role).toBe("guest");
  });
});

// The streams a person reads a room by without joining it (SSE, gRPC Watch) end when
// that person is kicked or banned. The keeper acts on the last node, the streams are
// on the first (HTTP and gRPC go there), so the cluster project crosses nodes.
describe("a kick or ban ends the person's streams", () => {
  it("ends a kicked person's SSE stream with event: removed; the others' streams go on", async () => {
    const room = uniqueRoom();
    const owner = await app.connect({ cookie: await signUp(uniqueName("own")), node: app.nodes.length - 1 });
    await joined(owner, room);
    const kim = uniqueName("kim");
    const stream = `${app.url}/api/rooms/${room}/stream`;
    const kims = await openSse(stream, undefined, { cookie: await signUp(kim) });
    const bystander = await openSse(stream);
    try {
      expect(kims.status).toBe(200);
      // Each stream has had its first list: it is watching.
      await expect.poll(() => Math.min(kims.events.length, bystander.events.length)).toBeGreaterThan(0);
      okOf(await emit(owner, "room:moderate", { room, action: "kick", username: kim, reason: "cool off" }));
      await kims.ended;
      expect(kims.events.at(-1)).toEqual({ event: "removed", data: { room, reason: "cool off", by: expect.any(String), username: kim, guest: false, banned: false } });
      okOf(await emit(owner, "message:send", { room, content: "after the kick" }));
      await expect.poll(() => bystander.latest()?.messages.map((message) => message.content)).toEqual(["after the kick"]);
    } finally {
      kims.close();
      bystander.close();
    }
  });

  it("ends a banned person's gRPC Watch with PERMISSION_DENIED, and refuses a new one", async () => {
    const room = uniqueRoom();
    const owner = await app.connect({ cookie: await signUp(uniqueName("own")), node: app.nodes.length - 1 });
    await joined(owner, room);
    const lee = uniqueName("lee");
    await signUp(lee);
    const grpc = connectGrpc(`127.0.0.1:${app.server.grpc!.port}`);
    try {
      const { token } = await grpc.call<{ token: string }>("Login", { username: lee, password: "correct horse" });
      const watch = grpc.watch(room, { token });
      await expect.poll(() => watch.events.length).toBeGreaterThan(0);
      okOf(await emit(owner, "room:moderate", { room, action: "ban", username: lee, reason: "spam" }));
      expect(await watch.ended).toEqual({ code: status.PERMISSION_DENIED, details: expect.stringContaining(`banned you from room "${room}" (spam)`) });
      expect((await grpc.watch(room, { token }).ended).code).toBe(status.PERMISSION_DENIED);
    } finally {
      grpc.close();
    }
  });
});
