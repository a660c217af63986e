// The chat service over the real parts (the memory store, the RegistryManager,
// accounts, throttles): the rules every transport now shares. Transports only
// read a Caller off their wire; here callers are built as they would build them.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Accounts } from "../accounts/accounts";
import { AUTH_LIMITS, AuthThrottle } from "../accounts/auth-throttle";
import type { SessionData } from "../accounts/session";
import { ChatError } from "../errors";
import { SendLimiter } from "../limits/send-limiter";
import { createLogger } from "../logger";
import type { ErrorCode, Identity } from "../protocol";
import { RegistryManager } from "../rooms/registry";
import { DEFAULT_RESTART_INTENSITY } from "../rooms/supervisor";
import { MemoryStore } from "../store/memory";
import type { Caller, ConnectionPort } from "./caller";
import { ChatService, MAX_ROOMS_PER_CONNECTION, PAGE_MAX, type ChatOperation } from "./service";

const ADMIN_TOKEN = "the-admin-token-of-this-test";
const PASSWORD = "correct horse";
const BURST = 3;

let store: MemoryStore;
let registry: RegistryManager;
let refusals: Array<[ChatOperation, ErrorCode]>;
let chat: ChatService;

beforeEach(() => {
  store = new MemoryStore();
  registry = new RegistryManager({
    store,
    logger: createLogger({}, "silent"),
    historyWindow: 50,
    maxLiveRooms: 100,
    idleMs: 60_000,
  });
  refusals = [];
  chat = new ChatService({
    registry,
    accounts: new Accounts(store, { bcryptCost: 4 }),
    authThrottle: new AuthThrottle({ ...AUTH_LIMITS, loginFailuresPerIp: { limit: 2, windowMs: 60_000 } }),
    // One token an hour after the burst: no refill within a test.
    sendLimiter: new SendLimiter({ ratePerSecond: 1 / 3600, burst: BURST }),
    adminToken: ADMIN_TOKEN,
    logger: createLogger({}, "silent"),
    observer: { refused: (operation, code) => refusals.push([operation, code]) },
  });
});

afterEach(async () => {
  await registry.close();
});

/** An HTTP request's caller: a cookie's session, an address, maybe a bearer. */
function visitor(session: SessionData = {}, extra: Partial<Caller> = {}): Caller {
  return { credentials: { kind: "cookie", session: async () => session }, address: "10.0.0.1", ...extra };
}

/** A gRPC call's caller: a bearer token that unseals to `session`. */
function tokenHolder(session: SessionData, bearer = "sealed"): Caller {
  return { credentials: { kind: "token", session: async () => session }, address: "10.0.0.2", bearer };
}

/** A connection's rooms kept in a set, as Socket.IO keeps its topics. */
function connection(identity: Identity, id = "conn-1"): { caller: Caller; rooms: Set<string>; watched: Set<string> } {
  const rooms = new Set<string>();
  const watched = new Set<string>();
  const port: ConnectionPort = {
    id,
    rooms: () => rooms,
    isIn: (room) => rooms.has(room),
    enter: async (room) => void rooms.add(room),
    exit: async (room) => void rooms.delete(room),
    watch: async (wanted) => {
      watched.clear();
      for (const room of wanted) watched.add(room);
    },
  };
  return { caller: chat.connect(port, identity, "10.0.0.3"), rooms, watched };
}

async function codeOf(run: Promise<unknown>): Promise<ErrorCode> {
  try {
    await run;
  } catch (error) {
    if (error instanceof ChatError) return error.code;
    throw error;
  }
  throw new Error("expected a ChatError");
}

async function signUp(username: string): Promise<SessionData> {
  return (await chat.register(visitor(), { username, password: PASSWORD })).session;
}

const guest: Identity = { username: "anon", guest: true };

describe("sending", () => {
  it("refuses an empty message with invalid_message without spending the sender's allowance", async () => {
    for (let i = 0; i < BURST * 2; i++) expect(await codeOf(chat.send(visitor(), { room: "lobby", content: "   " }))).toBe("invalid_message");
    for (let i = 0; i < BURST; i++) await chat.send(visitor(), { room: "lobby", content: `hello ${i}` });
    expect(await codeOf(chat.send(visitor(), { room: "lobby", content: "one too many" }))).toBe("rate_limited");
  });

  it("refuses an invalid message before any room starts for it", async () => {
    expect(await codeOf(chat.send(visitor(), { room: "never-used", content: "x".repeat(2001) }))).toBe("invalid_message");
    expect(registry.liveRooms).toBe(0);
    expect(await store.recent("never-used", 10)).toEqual([]);
  });

  it("gives a connection its own allowance, apart from its address's", async () => {
    const { caller } = connection(guest);
    await chat.join(caller, { room: "lobby" });
    for (let i = 0; i < BURST; i++) await chat.send(visitor(), { room: "lobby", content: `by REST ${i}` });
    const message = await chat.send(caller, { room: "lobby", content: "by socket" });
    expect(message).toMatchObject({ seq: BURST + 1, content: "by socket" });
  });

  it("stores trimmed content, signed by the caller's session", async () => {
    const session = await signUp("gage");
    const message = await chat.send(visitor(session), { room: "Lobby", content: "  hi  ", clientId: "c-1" });
    expect(message).toMatchObject({ room: "lobby", username: "gage", guest: false, content: "hi", clientId: "c-1" });
  });
});

describe("joining", () => {
  it(`lets a connection be in ${MAX_ROOMS_PER_CONNECTION} rooms and refuses one more with rate_limited`, async () => {
    const { caller, rooms } = connection(guest);
    for (let i = 0; i < MAX_ROOMS_PER_CONNECTION; i++) await chat.join(caller, { room: `room-${i}` });
    expect(await codeOf(chat.join(caller, { room: "one-more" }))).toBe("rate_limited");
    expect(rooms.has("one-more")).toBe(false);
    // Joining a room it is in already is no new room.
    expect((await chat.join(caller, { room: "room-0" })).room).toBe("room-0");
  });

  it("answers the room's list, its members and who you are, and leaves every room on disconnect", async () => {
    const { caller } = connection({ username: "kim", guest: true });
    await chat.send(visitor(), { room: "lobby", content: "before" });
    const joined = await chat.join(caller, { room: "lobby" });
    expect(joined).toMatchObject({ room: "lobby", you: { username: "kim", guest: true }, members: [{ username: "kim", guest: true }] });
    expect(joined.messages.map((m) => m.content)).toEqual(["before"]);
    chat.disconnect(caller);
    await expect.poll(() => registry.list().find((room) => room.name === "lobby")?.members).toBe(0);
  });

  it("keeps a connection in a room it is in when joining it again is refused", async () => {
    const { caller, rooms } = connection(guest);
    await chat.join(caller, { room: "lobby" });
    // Crashed more often than its restart intensity allows, the room rests and refuses joins.
    for (let i = 0; i <= DEFAULT_RESTART_INTENSITY.maxRestarts; i++) await registry.crash("lobby").catch(() => {});
    expect(await codeOf(chat.join(caller, { room: "lobby" }))).toBe("room_unavailable");
    // Still listed by presence, so still on the room's topic: its pushes reach the page once the room is back.
    expect(rooms.has("lobby")).toBe(true);
  });

  it("refuses to send to a room the connection has left with not_joined", async () => {
    const { caller } = connection(guest);
    await chat.join(caller, { room: "lobby" });
    await chat.leave(caller, { room: "lobby" });
    expect(await codeOf(chat.send(caller, { room: "lobby", content: "still here?" }))).toBe("not_joined");
  });
});

describe("accounts", () => {
  it("counts only wrong passwords toward the login throttle", async () => {
    await signUp("gage");
    for (let i = 0; i < 5; i++) expect(await codeOf(chat.login(visitor(), { username: "gage" }))).toBe("invalid_payload");
    for (let i = 0; i < 2; i++) expect(await codeOf(chat.login(visitor(), { username: "gage", password: "wrong one" }))).toBe("unauthorized");
    expect(await codeOf(chat.login(visitor(), { username: "gage", password: PASSWORD }))).toBe("rate_limited");
  });

  it("refuses a signed-in user who asks to become a guest with forbidden", async () => {
    const session = await signUp("gage");
    expect(await codeOf(chat.guest(visitor(session), { name: "someone" }))).toBe("forbidden");
  });

  it("gives a guest its name in the session, and the default guest name an empty one", async () => {
    expect(await chat.guest(visitor(), { name: "visitor_1" })).toEqual({ user: { username: "visitor_1", guest: true }, session: { guestName: "visitor_1" } });
    expect(await chat.guest(visitor(), {})).toEqual({ user: guest, session: {} });
  });

  it("ends every session on logout: the old session is a guest again", async () => {
    const session = await signUp("gage");
    await chat.logout(visitor(session));
    expect(await chat.me(visitor(session))).toEqual(guest);
  });

  it("refuses a token that is not a signed-in user's session as unauthorized", async () => {
    expect(await codeOf(chat.send(tokenHolder({ guestName: "visitor_1" }), { room: "lobby", content: "hi" }))).toBe("unauthorized");
    expect(await codeOf(chat.send(tokenHolder({}), { room: "lobby", content: "hi" }))).toBe("unauthorized");
    const session = await signUp("gage");
    expect(await chat.send(tokenHolder(session), { room: "lobby", content: "hi" })).toMatchObject({ username: "gage" });
  });
});

describe("deleting a room", () => {
  it("lets its owner delete it, and refuses a guest and another user with forbidden", async () => {
    const owner = await signUp("owner");
    const other = await signUp("other");
    await chat.send(visitor(owner), { room: "mine", content: "first" });
    expect(await codeOf(chat.deleteRoom(visitor(), { room: "mine" }))).toBe("forbidden");
    expect(await codeOf(chat.deleteRoom(visitor(other), { room: "mine" }))).toBe("forbidden");
    await chat.deleteRoom(visitor(owner), { room: "mine" });
    expect(await chat.history(visitor(), { room: "mine" })).toEqual([]);
  });

  it("lets the admin token delete any room, and refuses a wrong one with unauthorized", async () => {
    await chat.send(visitor(), { room: "a-guests-room", content: "hi" });
    expect(await codeOf(chat.deleteRoom(visitor({}, { bearer: "nope" }), { room: "a-guests-room" }))).toBe("unauthorized");
    await chat.deleteRoom(visitor({}, { bearer: ADMIN_TOKEN }), { room: "a-guests-room" });
    expect(await codeOf(chat.deleteRoom(visitor({}, { bearer: ADMIN_TOKEN }), { room: "a-guests-room" }))).toBe("not_found");
  });

  it("reads a bearer that is not the admin token as a session token where tokens are sessions", async () => {
    const owner = await signUp("owner");
    await chat.send(visitor(owner), { room: "mine", content: "first" });
    await chat.deleteRoom(tokenHolder(owner), { room: "mine" });
    expect(await chat.history(visitor(), { room: "mine" })).toEqual([]);
  });
});

describe("history", () => {
  it(`gives at most ${PAGE_MAX} messages a page, the newest last`, async () => {
    for (let i = 1; i <= PAGE_MAX + 1; i++) await registry.send("long", { author: guest, content: `m${i}` });
    const page = await chat.history(visitor(), { room: "long", limit: PAGE_MAX + 50 });
    expect(page).toHaveLength(PAGE_MAX);
    expect(page.at(-1)?.content).toBe(`m${PAGE_MAX + 1}`);
    expect((await chat.history(visitor(), { room: "long", limit: 2, before: 3 })).map((m) => m.content)).toEqual(["m1", "m2"]);
  });
});

describe("refusals", () => {
  it("reports each refusal once to the observer, with its operation and code", async () => {
    const { caller } = connection(guest);
    await codeOf(chat.send(visitor(), { room: "<b>", content: "hi" }));
    await codeOf(chat.join(caller, { room: "" }));
    await codeOf(chat.login(visitor(), { username: "nobody", password: "wrong password" }));
    await codeOf(chat.crashRoom(visitor(), { room: "lobby" }));
    expect(refusals).toEqual([
      ["send", "invalid_room"],
      ["join", "invalid_room"],
      ["login", "unauthorized"],
      ["crashRoom", "unauthorized"],
    ]);
  });
});
