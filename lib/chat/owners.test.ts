// Rooms with owners through the chat service, over the real parts (memory store,
// RegistryManager, accounts): roles, settings, moderation, private and read-only
// rooms, slow mode, as every transport gets them.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Accounts } from "../accounts/accounts";
import { AUTH_LIMITS, AuthThrottle } from "../accounts/auth-throttle";
import type { SessionData } from "../accounts/session";
import { SendLimiter } from "../limits/send-limiter";
import { createLogger } from "../logger";
import { ChatError } from "../errors";
import { guestPerson } from "../people";
import type { ErrorCode, Identity } from "../protocol";
import { RegistryManager } from "../rooms/registry";
import { MemoryStore } from "../store/memory";
import type { Caller, ConnectionPort } from "./caller";
import { ChatService } from "./service";

const ADMIN_TOKEN = "the-admin-token-of-this-test";
const PASSWORD = "correct horse";

let store: MemoryStore;
let registry: RegistryManager;
let chat: ChatService;
let connections = 0;

beforeEach(() => {
  store = new MemoryStore();
  registry = new RegistryManager({ store, logger: createLogger({}, "silent"), historyWindow: 50, maxLiveRooms: 100, idleMs: 60_000 });
  chat = new ChatService({
    registry,
    accounts: new Accounts(store, { bcryptCost: 4 }),
    authThrottle: new AuthThrottle(AUTH_LIMITS),
    sendLimiter: new SendLimiter({ ratePerSecond: 100, burst: 100 }),
    adminToken: ADMIN_TOKEN,
    logger: createLogger({}, "silent"),
  });
});

afterEach(async () => {
  chat.typingBoard.close();
  await registry.close();
});

/** An HTTP request's caller. */
function visitor(session: SessionData = {}, extra: Partial<Caller> = {}): Caller {
  return { credentials: { kind: "cookie", session: async () => session }, address: "10.0.0.1", ...extra };
}

/** A Socket.IO connection of `identity` from `address`, with its rooms in a set. */
function connection(identity: Identity, address = "10.0.0.3"): { caller: Caller; rooms: Set<string> } {
  const rooms = new Set<string>();
  const port: ConnectionPort = {
    id: `conn-${++connections}`,
    rooms: () => rooms,
    isIn: (room) => rooms.has(room),
    enter: async (room) => void rooms.add(room),
    exit: async (room) => void rooms.delete(room),
  };
  return { caller: chat.connect(port, identity, address), rooms };
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

const account = (username: string): Identity => ({ username, guest: false });

describe("roles", () => {
  it("answers a join with the person's role and the room's settings", async () => {
    await signUp("ada");
    await signUp("lee");
    const ada = await chat.join(connection(account("ada")).caller, { room: "lobby" });
    expect(ada.role).toBe("owner");
    expect(ada.settings).toEqual({ topic: "", visibility: "public", readOnly: false, slowModeS: 0, owner: "ada", moderators: [], pinned: [] });
    expect((await chat.join(connection(account("lee")).caller, { room: "lobby" })).role).toBe("member");
    expect((await chat.join(connection({ username: "anon", guest: true }).caller, { room: "lobby" })).role).toBe("guest");
  });
});

/** ada owns "lobby", kim is a registered member, both joined. */
async function ownedLobby() {
  const adaSession = await signUp("ada");
  const kimSession = await signUp("kim");
  const ada = connection(account("ada"));
  const kim = connection(account("kim"), "10.0.0.4");
  await chat.join(ada.caller, { room: "lobby" });
  await chat.join(kim.caller, { room: "lobby" });
  return { ada, kim, adaSession, kimSession };
}

describe("settings", () => {
  it("lets the owner set a topic, readOnly and slow mode, trimmed, kept in the store and shown to anyone let in", async () => {
    const { ada, kim } = await ownedLobby();
    const settings = await chat.configure(ada.caller, { room: "Lobby", topic: "  Release\nplanning  ", readOnly: true, slowModeS: 30 });
    expect(settings).toMatchObject({ topic: "Release planning", readOnly: true, slowModeS: 30, owner: "ada" });
    expect(await store.roomSettings("lobby")).toMatchObject({ topic: "Release planning", readOnly: true, slowModeS: 30 });
    expect((await chat.roomDetails(kim.caller, { room: "lobby" })).settings.topic).toBe("Release planning");
    expect((await chat.audit(ada.caller, { room: "lobby" })).map((line) => line.detail)).toEqual([
      "slowModeS 30",
      "readOnly true",
      "topic Release planning",
    ]);
  });

  it("refuses a member's change with forbidden and a topic over 300 characters with invalid_payload", async () => {
    const { ada, kim } = await ownedLobby();
    expect(await codeOf(chat.configure(kim.caller, { room: "lobby", topic: "mine" }))).toBe("forbidden");
    expect(await codeOf(chat.configure(ada.caller, { room: "lobby", topic: "x".repeat(301) }))).toBe("invalid_payload");
    expect(await codeOf(chat.configure(ada.caller, { room: "lobby", slowModeS: 3601 }))).toBe("invalid_payload");
    expect(await codeOf(chat.configure(ada.caller, { room: "lobby", visibility: "secret" }))).toBe("invalid_payload");
    expect(await store.roomSettings("lobby")).toBeUndefined();
  });

  it("lets a moderator set the topic but not the visibility; the admin token may do both", async () => {
    const { ada, kim } = await ownedLobby();
    await chat.moderate(ada.caller, { room: "lobby", action: "promote", username: "KIM" });
    expect((await chat.configure(kim.caller, { room: "lobby", topic: "by kim" })).topic).toBe("by kim");
    expect(await codeOf(chat.configure(kim.caller, { room: "lobby", visibility: "unlisted" }))).toBe("forbidden");
    const admin = visitor({}, { bearer: ADMIN_TOKEN });
    expect((await chat.configure(admin, { room: "lobby", visibility: "unlisted" })).visibility).toBe("unlisted");
  });
});

describe("moderation", () => {
  it("bans an account: it cannot join again or post over HTTP until unbanned", async () => {
    const { ada, kimSession } = await ownedLobby();
    await chat.moderate(ada.caller, { room: "lobby", action: "ban", username: "kim", reason: "spam" });
    expect(await codeOf(chat.join(connection(account("kim"), "10.9.9.9").caller, { room: "lobby" }))).toBe("forbidden");
    expect(await codeOf(chat.send(visitor(kimSession), { room: "lobby", content: "back" }))).toBe("forbidden");
    expect(await codeOf(chat.history(visitor(kimSession), { room: "lobby" }))).toBe("forbidden");
    await chat.moderate(ada.caller, { room: "lobby", action: "unban", username: "kim" });
    expect((await chat.join(connection(account("kim")).caller, { room: "lobby" })).role).toBe("member");
    expect((await chat.audit(ada.caller, { room: "lobby" })).map((line) => [line.action, line.username, line.reason])).toEqual([
      ["unban", "kim", undefined],
      ["ban", "kim", "spam"],
    ]);
  });

  it("bans a guest by the address it is connected from", async () => {
    const { ada } = await ownedLobby();
    const troll = connection({ username: "troll", guest: true }, "10.6.6.6");
    await chat.join(troll.caller, { room: "lobby" });
    await chat.moderate(ada.caller, { room: "lobby", action: "ban", username: "troll", durationS: 600 });
    // A new name from the same address does not get back in; another address does.
    expect(await codeOf(chat.join(connection({ username: "nice", guest: true }, "10.6.6.6").caller, { room: "lobby" }))).toBe("forbidden");
    expect((await chat.join(connection({ username: "nice", guest: true }, "10.7.7.7").caller, { room: "lobby" })).role).toBe("guest");
  });

  it("bans a guest by its session: a new name in the same session stays out, a new session from the same address gets in", async () => {
    const { ada } = await ownedLobby();
    const troll = connection(guestPerson("troll", "session-1"), "10.6.6.6");
    await chat.join(troll.caller, { room: "lobby" });
    await chat.moderate(ada.caller, { room: "lobby", action: "ban", username: "troll" });
    const sameSession = guestPerson("nice", "session-1");
    expect(await codeOf(chat.join(connection(sameSession, "10.7.7.7").caller, { room: "lobby" }))).toBe("forbidden");
    const clearedCookies = guestPerson("troll", "session-2");
    expect((await chat.join(connection(clearedCookies, "10.6.6.6").caller, { room: "lobby" })).role).toBe("guest");
  });

  it("bans a guest by session and address when the ban says so: clearing cookies does not get it back in", async () => {
    const { ada } = await ownedLobby();
    const troll = connection(guestPerson("troll", "session-1"), "10.6.6.6");
    await chat.join(troll.caller, { room: "lobby" });
    await chat.moderate(ada.caller, { room: "lobby", action: "ban", username: "troll", address: true });
    const clearedCookies = guestPerson("troll", "session-2");
    expect(await codeOf(chat.join(connection(clearedCookies, "10.6.6.6").caller, { room: "lobby" }))).toBe("forbidden");
  });

  it("never locks the owner or a moderator out with a ban of a guest's address they share", async () => {
    const { ada } = await ownedLobby();
    await signUp("mia");
    await chat.moderate(ada.caller, { room: "lobby", action: "promote", username: "mia" });
    // Everyone behind one NAT: the troll, the owner's other device and a moderator.
    const troll = connection(guestPerson("troll", "session-1"), "10.6.6.6");
    await chat.join(troll.caller, { room: "lobby" });
    await chat.moderate(ada.caller, { room: "lobby", action: "ban", username: "troll", address: true });
    expect((await chat.join(connection(account("ada"), "10.6.6.6").caller, { room: "lobby" })).role).toBe("owner");
    expect((await chat.join(connection(account("mia"), "10.6.6.6").caller, { room: "lobby" })).role).toBe("moderator");
    expect(await codeOf(chat.join(connection(guestPerson("troll", "session-2"), "10.6.6.6").caller, { room: "lobby" }))).toBe("forbidden");
    // Registering is no way back in from that address either: kim is a member, not a keeper.
    expect(await codeOf(chat.join(connection(account("kim"), "10.6.6.6").caller, { room: "lobby" }))).toBe("forbidden");
  });

  it("mutes: the person reads but cannot post until unmuted", async () => {
    const { ada, kim } = await ownedLobby();
    await chat.moderate(ada.caller, { room: "lobby", action: "mute", username: "kim" });
    expect(await codeOf(chat.send(kim.caller, { room: "lobby", content: "hello" }))).toBe("forbidden");
    expect((await chat.history(kim.caller, { room: "lobby" })).length).toBe(0);
    await chat.moderate(ada.caller, { room: "lobby", action: "unmute", username: "kim" });
    expect((await chat.send(kim.caller, { room: "lobby", content: "hello" })).content).toBe("hello");
  });

  it("lets only the owner appoint moderators, and keeps moderators from moderating each other or the owner", async () => {
    const { ada, kim } = await ownedLobby();
    await signUp("lee");
    await chat.join(connection(account("lee")).caller, { room: "lobby" });
    expect(await codeOf(chat.moderate(kim.caller, { room: "lobby", action: "promote", username: "kim" }))).toBe("forbidden");
    await chat.moderate(ada.caller, { room: "lobby", action: "promote", username: "kim" });
    await chat.moderate(ada.caller, { room: "lobby", action: "promote", username: "lee" });
    expect(await codeOf(chat.moderate(kim.caller, { room: "lobby", action: "promote", username: "lee" }))).toBe("forbidden");
    expect(await codeOf(chat.moderate(kim.caller, { room: "lobby", action: "kick", username: "lee" }))).toBe("forbidden");
    expect(await codeOf(chat.moderate(kim.caller, { room: "lobby", action: "ban", username: "ada" }))).toBe("forbidden");
    expect((await chat.roomDetails(kim.caller, { room: "lobby" })).settings.moderators).toEqual(["kim", "lee"]);
  });

  it("refuses a member's moderation and audit reading with forbidden", async () => {
    const { kim } = await ownedLobby();
    expect(await codeOf(chat.moderate(kim.caller, { room: "lobby", action: "kick", username: "ada" }))).toBe("forbidden");
    expect(await codeOf(chat.audit(kim.caller, { room: "lobby" }))).toBe("forbidden");
    expect(await codeOf(chat.moderate(kim.caller, { room: "lobby", action: "explode", username: "ada" }))).toBe("invalid_payload");
  });
});

describe("typing", () => {
  it("keeps a muted person and a member of a read-only room from typing; the owner types on", async () => {
    const { ada, kim } = await ownedLobby();
    await chat.moderate(ada.caller, { room: "lobby", action: "mute", username: "kim" });
    await expect(chat.typing(kim.caller, { room: "lobby" })).rejects.toMatchObject({ code: "forbidden", message: expect.stringContaining("muted") });
    await chat.moderate(ada.caller, { room: "lobby", action: "unmute", username: "kim" });
    await chat.configure(ada.caller, { room: "lobby", readOnly: true });
    await expect(chat.typing(kim.caller, { room: "lobby" })).rejects.toMatchObject({ code: "forbidden", message: expect.stringContaining("read-only") });
    await chat.typing(ada.caller, { room: "lobby" });
  });
});

describe("read-only rooms and slow mode", () => {
  it("refuses a member's message in a read-only room with a sentence, and takes the owner's", async () => {
    const { ada, kim } = await ownedLobby();
    await chat.configure(ada.caller, { room: "lobby", readOnly: true });
    await expect(chat.send(kim.caller, { room: "lobby", content: "hi" })).rejects.toMatchObject({ code: "forbidden", message: expect.stringContaining("read-only") });
    expect((await chat.send(ada.caller, { room: "lobby", content: "announcement" })).content).toBe("announcement");
  });

  it("answers a second message within slow mode's wait with rate_limited, the owner excepted", async () => {
    const { ada, kim } = await ownedLobby();
    await chat.configure(ada.caller, { room: "lobby", slowModeS: 60 });
    await chat.send(kim.caller, { room: "lobby", content: "one" });
    await expect(chat.send(kim.caller, { room: "lobby", content: "two" })).rejects.toMatchObject({ code: "rate_limited", message: expect.stringContaining("Slow mode") });
    await chat.send(ada.caller, { room: "lobby", content: "one" });
    await chat.send(ada.caller, { room: "lobby", content: "two" });
  });
});
