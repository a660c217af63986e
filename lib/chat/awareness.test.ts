// Awareness through the chat service over the real parts (memory store, registry,
// accounts): typing, read markers, unread and mention counts, a person's rooms and
// watch sets, as every transport gets them.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Accounts } from "../accounts/accounts";
import { AUTH_LIMITS, AuthThrottle } from "../accounts/auth-throttle";
import type { SessionData } from "../accounts/session";
import { ChatError } from "../errors";
import { SendLimiter } from "../limits/send-limiter";
import { createLogger } from "../logger";
import type { ErrorCode, Identity, RoomActivityPush } from "../protocol";
import { personTopic } from "../protocol";
import { RegistryManager } from "../rooms/registry";
import { MemoryStore } from "../store/memory";
import { PushLog } from "../testing/fakes";
import type { Caller, ConnectionPort } from "./caller";
import { unreadFor } from "./reading";
import { ChatService } from "./service";
import { TypingBoard } from "./typing";

const PASSWORD = "correct horse";
let store: MemoryStore;
let log: PushLog;
let registry: RegistryManager;
let chat: ChatService;
let activity: Array<{ to: string; push: RoomActivityPush }>;

beforeEach(() => {
  store = new MemoryStore();
  log = new PushLog();
  registry = new RegistryManager({ store, pushes: log.bus, logger: createLogger({}, "silent"), historyWindow: 50, maxLiveRooms: 100, idleMs: 60_000 });
  chat = new ChatService({
    registry,
    accounts: new Accounts(store, { bcryptCost: 4 }),
    authThrottle: new AuthThrottle(AUTH_LIMITS),
    sendLimiter: new SendLimiter({ ratePerSecond: 0, burst: 1 }),
    logger: createLogger({}, "silent"),
  });
  activity = [];
  connections.clear();
  // As Socket.IO delivers it: every watcher not joined to the room, marked for the mentioned.
  chat.watches.deliverTo((push, mentioned) => {
    for (const [id, conn] of connections) {
      if (!conn.watched.has(push.room) || conn.rooms.has(push.room)) continue;
      activity.push({ to: id, push: { ...push, mention: mentioned.includes(id) } });
    }
  });
});

afterEach(async () => {
  chat.typingBoard.close();
  chat.watches.close();
  await registry.close();
});

const connections = new Map<string, { rooms: Set<string>; watched: Set<string> }>();
let ids = 0;

function connection(identity: Identity): { caller: Caller; id: string } {
  const id = `conn-${++ids}`;
  const rooms = new Set<string>();
  const watched = new Set<string>();
  connections.set(id, { rooms, watched });
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
  return { caller: chat.connect(port, identity, "10.0.0.3"), id };
}

function visitor(session: SessionData = {}): Caller {
  return { credentials: { kind: "cookie", session: async () => session }, address: "10.0.0.1" };
}

async function signUp(username: string): Promise<SessionData> {
  return (await chat.register(visitor(), { username, password: PASSWORD })).session;
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

async function say(room: string, username: string, ...contents: string[]): Promise<void> {
  const { caller } = connection({ username, guest: true });
  await chat.join(caller, { room });
  for (const content of contents) await chat.send(caller, { room, content });
}

const ada: Identity = { username: "ada", guest: false };

describe("typing", () => {
  it("shows who is typing in the room, each person once however often they type", async () => {
    const { caller } = connection({ username: "Ada", guest: true });
    await chat.join(caller, { room: "lobby" });
    await chat.typing(caller, { room: "lobby" });
    await chat.typing(caller, { room: "lobby" });
    expect(log.of("room:typing")).toEqual([{ room: "lobby", users: ["Ada"] }]);
  });

  it("takes a person off the list as soon as their message arrives", async () => {
    const { caller } = connection({ username: "ada", guest: true });
    await chat.join(caller, { room: "lobby" });
    await chat.typing(caller, { room: "lobby" });
    await chat.send(caller, { room: "lobby", content: "hello" });
    expect(log.last("room:typing")).toEqual({ room: "lobby", users: [] });
  });

  it("refuses typing in a room the connection has not joined with not_joined", async () => {
    const { caller } = connection({ username: "ada", guest: true });
    expect(await codeOf(chat.typing(caller, { room: "lobby" }))).toBe("not_joined");
    expect(log.of("room:typing")).toEqual([]);
  });

  it("throttles one connection's typing signals with rate_limited, so they cannot flood a room", async () => {
    const { caller } = connection({ username: "ada", guest: true });
    await chat.join(caller, { room: "lobby" });
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) codes.push(await chat.typing(caller, { room: "lobby" }).then(() => "ok", (error: ChatError) => error.code));
    expect(codes.slice(0, 3)).toEqual(["ok", "ok", "ok"]);
    expect(codes.slice(3)).toContain("rate_limited");
  });

  it("refuses a malformed typing payload with invalid_payload", async () => {
    const { caller } = connection({ username: "ada", guest: true });
    for (const payload of [undefined, null, 42, {}, { room: 7 }]) expect(await codeOf(chat.typing(caller, payload))).toBe("invalid_payload");
  });
});

describe("the typing board", () => {
  it("drops a typist when their time runs out, and tells the other nodes of its own changes only", async () => {
    const pushes: string[][] = [];
    const shared: string[] = [];
    const board = new TypingBoard({
      publish: (_topic, _event, payload) => pushes.push((payload as { users: string[] }).users),
      share: (change) => shared.push(`${change.username}:${change.typing}`),
      ttlMs: 30,
    });
    board.typing("lobby", "ada");
    board.apply({ room: "lobby", username: "bo", typing: true });
    expect(board.users("lobby")).toEqual(["ada", "bo"]);
    await expect.poll(() => board.users("lobby")).toEqual([]);
    expect(pushes).toEqual([["ada"], ["ada", "bo"], ["bo"], []]);
    expect(shared).toEqual(["ada:true"]);
    board.close();
  });
});

describe("read markers", () => {
  it("keeps an account's marker in the store, never moving back nor past the room's newest message", async () => {
    const session = await signUp("ada");
    await say("lobby", "bo", "one", "two", "three");
    expect(await chat.markRead(visitor(session), { room: "lobby", seq: 2 })).toBe(2);
    expect(await chat.markRead(visitor(session), { room: "lobby", seq: 1 })).toBe(2);
    expect(await chat.markRead(visitor(session), { room: "lobby", seq: 99 })).toBe(3);
    expect(await store.readMarkers("user:ada", ["lobby"])).toEqual(new Map([["lobby", 3]]));
  });

  it("tells the account's other connections where it read up to", async () => {
    const session = await signUp("ada");
    await say("lobby", "bo", "one", "two");
    await chat.markRead(visitor(session), { room: "lobby", seq: 2 });
    expect(log.all.filter((push) => push.topic === personTopic("ada")).map((push) => push.payload)).toEqual([{ room: "lobby", lastReadSeq: 2 }]);
  });

  it("keeps a guest's marker with its connection and stores nothing", async () => {
    await say("lobby", "bo", "one", "two");
    const { caller } = connection({ username: "kim", guest: true });
    await chat.join(caller, { room: "lobby" });
    expect(await chat.markRead(caller, { room: "lobby", seq: 1 })).toBe(1);
    expect(await chat.markRead(caller, { room: "lobby", seq: 0 })).toBe(1);
    expect((await chat.watchRooms(caller, { rooms: ["lobby"] }))[0]).toMatchObject({ lastReadSeq: 1, unread: 1 });
  });

  it("refuses a bad seq with invalid_payload", async () => {
    for (const seq of [-1, 1.5, "2", null]) expect(await codeOf(chat.markRead(visitor(), { room: "lobby", seq }))).toBe("invalid_payload");
  });
});

describe("unread and mention counts", () => {
  it("counts others' messages after the marker, and those that mention the person", async () => {
    const session = await signUp("ada");
    await say("lobby", "bo", "one", "hi @Ada", "three");
    await chat.send(visitor(session), { room: "lobby", content: "my own @ada" });
    await chat.markRead(visitor(session), { room: "lobby", seq: 1 });
    const { caller } = connection(ada);
    expect(await chat.watchRooms(caller, { rooms: ["Lobby", "empty"] })).toEqual([
      { room: "lobby", seq: 4, lastReadSeq: 1, unread: 2, mentions: 1 },
      { room: "empty", seq: 0, lastReadSeq: 0, unread: 0, mentions: 0 },
    ]);
  });

  it("never counts more unread than messages after the marker, nor more mentions than unread", () => {
    const message = fc.record({ username: fc.constantFrom("ada", "bo", "ADA"), content: fc.constantFrom("hi", "@ada", "`@ada`", "@bo") });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 30 }), fc.nat(40), fc.nat(40), (drafts, skipped, marker) => {
        const newest = drafts.map((draft, i) => ({ ...draft, id: `${i}`, room: "r", seq: skipped + i + 1, guest: false, sentAt: "" }));
        const seq = newest.at(-1)?.seq ?? 0;
        const { unread, mentions } = unreadFor(ada, newest, marker);
        expect(unread).toBeLessThanOrEqual(Math.max(0, seq - marker));
        expect(mentions).toBeLessThanOrEqual(unread);
        expect(mentions).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 10_000 },
    );
  });
});

describe("a person's rooms", () => {
  it("adds a room an account joins, lists it with its counts, and removes it on request", async () => {
    const session = await signUp("ada");
    const { caller } = connection(ada);
    await chat.join(caller, { room: "lobby" });
    await chat.addMyRoom(visitor(session), { room: "Kitchen", notify: "all" });
    await say("kitchen", "bo", "hello");
    expect(await chat.myRooms(visitor(session))).toEqual([
      { room: "lobby", seq: 0, lastReadSeq: 0, unread: 0, mentions: 0, notify: "mentions" },
      { room: "kitchen", seq: 1, lastReadSeq: 0, unread: 1, mentions: 0, notify: "all" },
    ]);
    expect((await chat.removeMyRoom(visitor(session), { room: "lobby" })).map((r) => r.room)).toEqual(["kitchen"]);
  });

  it("refuses a guest's rooms on the server with unauthorized: they stay in its browser", async () => {
    expect(await codeOf(chat.myRooms(visitor()))).toBe("unauthorized");
    expect(await codeOf(chat.addMyRoom(visitor(), { room: "lobby" }))).toBe("unauthorized");
  });

  it("refuses a notify level it does not know with invalid_payload", async () => {
    const session = await signUp("ada");
    expect(await codeOf(chat.addMyRoom(visitor(session), { room: "lobby", notify: "never" }))).toBe("invalid_payload");
  });
});

describe("watching rooms", () => {
  it("tells a watcher of each new message in a room it has not joined, marking the ones that mention it", async () => {
    const { caller, id } = connection(ada);
    await chat.watchRooms(caller, { rooms: ["kitchen"] });
    await say("kitchen", "bo", "hello", "look @ada");
    await expect.poll(() => activity.map(({ to, push }) => [to, push.seq, push.username, push.mention])).toEqual([
      [id, 1, "bo", false],
      [id, 2, "bo", true],
    ]);
  });

  it("replaces the watch set on every call and forgets it when the connection goes", async () => {
    const { caller, id } = connection(ada);
    await chat.watchRooms(caller, { rooms: ["a", "b"] });
    await chat.watchRooms(caller, { rooms: ["b", "c"] });
    expect(chat.watches.watchedBy(id).sort()).toEqual(["b", "c"]);
    expect(chat.watches.watcherCount("a")).toBe(0);
    chat.disconnect(caller);
    expect(chat.watches.watchedBy(id)).toEqual([]);
    expect(chat.watches.watcherCount("b")).toBe(0);
  });

  it("watches a private room for its members only: a stranger's set leaves it out and hears nothing of it", async () => {
    await signUp("ada");
    await signUp("bob");
    const owner = connection(ada);
    await chat.join(owner.caller, { room: "hideout" });
    await chat.configure(owner.caller, { room: "hideout", visibility: "private" });
    const stranger = connection({ username: "bob", guest: false });
    expect((await chat.watchRooms(stranger.caller, { rooms: ["hideout", "lobby"] })).map((counted) => counted.room)).toEqual(["lobby"]);
    expect(chat.watches.watchedBy(stranger.id)).toEqual(["lobby"]);
    const member = connection(ada);
    expect((await chat.watchRooms(member.caller, { rooms: ["hideout"] })).map((counted) => counted.room)).toEqual(["hideout"]);
    await chat.send(owner.caller, { room: "hideout", content: "secret plans" });
    await expect.poll(() => activity.map(({ to }) => to)).toEqual([member.id]);
  });

  it("refuses more than 100 rooms, or a bad room name, before watching any", async () => {
    const { caller, id } = connection(ada);
    const many = Array.from({ length: 101 }, (_, i) => `room-${i}`);
    expect(await codeOf(chat.watchRooms(caller, { rooms: many }))).toBe("invalid_payload");
    expect(await codeOf(chat.watchRooms(caller, { rooms: ["ok", "no/slash"] }))).toBe("invalid_room");
    expect(chat.watches.watchedBy(id)).toEqual([]);
  });
});

describe("the home page's rooms", () => {
  it("lists rooms with history from the store, most recent first, and no empty live room", async () => {
    await say("old", "bo", "a");
    // Apart by a clock tick, so the order is the sending order.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await say("new", "bo", "b");
    const { caller } = connection(ada);
    await chat.join(caller, { room: "nobody-here" });
    await chat.leave(caller, { room: "nobody-here" });
    await registry.close();
    registry = new RegistryManager({ store, logger: createLogger({}, "silent"), historyWindow: 50, maxLiveRooms: 100, idleMs: 60_000 });
    const restarted = new ChatService({
      registry,
      accounts: new Accounts(store, { bcryptCost: 4 }),
      authThrottle: new AuthThrottle(AUTH_LIMITS),
      sendLimiter: new SendLimiter({ ratePerSecond: 0, burst: 1 }),
      logger: createLogger({}, "silent"),
    });
    expect((await restarted.listRooms()).map((room) => [room.name, room.messages])).toEqual([
      ["new", 1],
      ["old", 1],
    ]);
  });
});
