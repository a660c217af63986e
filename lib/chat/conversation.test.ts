// The conversation through the chat service, over the real parts (memory store, the
// registry and its Room workers, accounts): editing, deleting, replies, reactions and
// pins; who may, what every page is pushed, and what the store keeps.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Accounts } from "../accounts/accounts";
import { AUTH_LIMITS, AuthThrottle } from "../accounts/auth-throttle";
import type { SessionData } from "../accounts/session";
import { ChatError } from "../errors";
import { SendLimiter } from "../limits/send-limiter";
import { createLogger } from "../logger";
import type { ErrorCode } from "../protocol";
import { RegistryManager } from "../rooms/registry";
import { MemoryStore } from "../store/memory";
import { PushLog } from "../testing/fakes";
import type { Caller, ConnectionPort } from "./caller";
import { ChatService } from "./service";

const ADMIN_TOKEN = "the-admin-token-of-this-test";
let store: MemoryStore;
let pushes: PushLog;
let registry: RegistryManager;
let chat: ChatService;

beforeEach(() => {
  store = new MemoryStore();
  pushes = new PushLog();
  registry = new RegistryManager({ store, pushes: pushes.bus, logger: createLogger({}, "silent"), historyWindow: 3, maxLiveRooms: 100, idleMs: 60_000 });
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
  await registry.close();
});

function visitor(session: SessionData = {}, extra: Partial<Caller> = {}): Caller {
  return { credentials: { kind: "cookie", session: async () => session }, address: "10.0.0.1", ...extra };
}

let ports = 0;
/** A cookie-less connection (the terminal client): it owns what it sent on it. */
async function terminal(): Promise<Caller> {
  const rooms = new Set<string>();
  const port: ConnectionPort = {
    id: `conn-${++ports}`,
    rooms: () => rooms,
    isIn: (room) => rooms.has(room),
    enter: async (room) => void rooms.add(room),
    exit: async (room) => void rooms.delete(room),
  };
  const person = await chat.identify(visitor());
  return chat.connect(port, person, "10.0.0.3");
}

async function signUp(username: string): Promise<SessionData> {
  return (await chat.register(visitor(), { username, password: "correct horse" })).session;
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

describe("editing", () => {
  it("lets the author edit, pushes the list and the changed message, and refuses anyone else with forbidden", async () => {
    const gage = await signUp("gage");
    const kim = await signUp("kim");
    await chat.send(visitor(gage), { room: "lobby", content: "helo" });
    expect(await codeOf(chat.editMessage(visitor(kim), { room: "lobby", seq: 1, content: "mine now" }))).toBe("forbidden");
    expect(await codeOf(chat.editMessage(visitor(), { room: "lobby", seq: 1, content: "a guest's" }))).toBe("forbidden");

    const edited = await chat.editMessage(visitor(gage), { room: "Lobby", seq: 1, content: "  hello  " });
    expect(edited).toMatchObject({ seq: 1, content: "hello", editedAt: expect.any(String) });
    expect(pushes.last("room:message")).toEqual({ room: "lobby", message: edited });
    await expect.poll(() => pushes.last("room:messages")?.messages.at(-1)?.content).toBe("hello");
  });

  it("refuses empty content with invalid_message and a bad seq with invalid_payload", async () => {
    const gage = await signUp("gage");
    await chat.send(visitor(gage), { room: "lobby", content: "hi" });
    expect(await codeOf(chat.editMessage(visitor(gage), { room: "lobby", seq: 1, content: "   " }))).toBe("invalid_message");
    expect(await codeOf(chat.editMessage(visitor(gage), { room: "lobby", seq: "1", content: "x" }))).toBe("invalid_payload");
    expect(await codeOf(chat.editMessage(visitor(gage), { room: "lobby", seq: 9, content: "x" }))).toBe("not_found");
  });

  it("updates a message older than the live window: pages showing older history get it as room:message", async () => {
    const gage = await signUp("gage");
    for (let i = 1; i <= 5; i++) await chat.send(visitor(gage), { room: "lobby", content: `m${i}` });
    const edited = await chat.editMessage(visitor(gage), { room: "lobby", seq: 1, content: "m1, fixed" });
    expect(pushes.last("room:message")?.message).toEqual(edited);
    expect((await chat.history(visitor(), { room: "lobby", before: 2, limit: 1 }))[0]).toEqual(edited);
  });
});

describe("deleting", () => {
  it("lets a cookie-less connection delete what it sent on it, and no other connection", async () => {
    const mine = await terminal();
    const other = await terminal();
    await chat.join(mine, { room: "lobby" });
    await chat.send(mine, { room: "lobby", content: "oops" });
    expect(await codeOf(chat.deleteMessage(other, { room: "lobby", seq: 1 }))).toBe("forbidden");
    expect(await chat.deleteMessage(mine, { room: "lobby", seq: 1 })).toMatchObject({ seq: 1, content: "", deleted: true });
  });

  it("lets a guest session delete its own message from another tab", async () => {
    const session = (await chat.beginGuestSession(visitor()))!;
    await chat.send(visitor(session), { room: "lobby", content: "by tab one" });
    expect(await chat.deleteMessage(visitor(session), { room: "lobby", seq: 1 })).toMatchObject({ deleted: true });
  });

  it("lets the room's owner and the admin token delete anyone's message, and keeps the seq order gap-free", async () => {
    const owner = await signUp("owner");
    const gage = await signUp("gage");
    await chat.send(visitor(owner), { room: "mine", content: "welcome" });
    await chat.send(visitor(gage), { room: "mine", content: "spam" });
    await chat.send(visitor(gage), { room: "mine", content: "more spam" });
    expect(await chat.deleteMessage(visitor(owner), { room: "mine", seq: 2 })).toMatchObject({ seq: 2, deleted: true });
    expect(await codeOf(chat.deleteMessage(visitor({}, { bearer: "wrong" }), { room: "mine", seq: 3 }))).toBe("unauthorized");
    expect(await chat.deleteMessage(visitor({}, { bearer: ADMIN_TOKEN }), { room: "mine", seq: 3 })).toMatchObject({ seq: 3, deleted: true });
    const history = await chat.history(visitor(), { room: "mine" });
    expect(history.map((m) => [m.seq, m.content])).toEqual([
      [1, "welcome"],
      [2, ""],
      [3, ""],
    ]);
    expect(JSON.stringify(await store.recent("mine", 10))).not.toContain("spam");
  });

  it("lets a moderator delete anyone's message, and no member", async () => {
    const owner = await signUp("owner");
    const mod = await signUp("mod");
    const kim = await signUp("kim");
    await chat.send(visitor(owner), { room: "mine", content: "welcome" });
    await chat.moderate(visitor(owner), { room: "mine", action: "promote", username: "mod" });
    await chat.send(visitor(owner), { room: "mine", content: "owner's" });
    expect(await codeOf(chat.deleteMessage(visitor(kim), { room: "mine", seq: 1 }))).toBe("forbidden");
    expect(await chat.deleteMessage(visitor(mod), { room: "mine", seq: 2 })).toMatchObject({ deleted: true });
  });
});

describe("replies", () => {
  it("stores a reply's replyTo, refuses a seq the room does not have, and keeps the reply when the original is deleted", async () => {
    const gage = await signUp("gage");
    const kim = await signUp("kim");
    await chat.send(visitor(kim), { room: "lobby", content: "who's coming?" });
    await chat.send(visitor(kim), { room: "kitchen", content: "another room" });
    await chat.send(visitor(kim), { room: "kitchen", content: "its second message" });
    const reply = await chat.send(visitor(gage), { room: "lobby", content: "me!", replyTo: 1 });
    expect(reply).toMatchObject({ seq: 2, replyTo: 1 });
    // seq 3 exists in another room only; seq 0 or a string is no seq at all.
    expect(await codeOf(chat.send(visitor(gage), { room: "lobby", content: "to what?", replyTo: 3 }))).toBe("not_found");
    expect(await codeOf(chat.send(visitor(gage), { room: "lobby", content: "to what?", replyTo: 0 }))).toBe("invalid_payload");
    expect(await codeOf(chat.send(visitor(gage), { room: "lobby", content: "to what?", replyTo: "1" }))).toBe("invalid_payload");

    await chat.deleteMessage(visitor(kim), { room: "lobby", seq: 1 });
    const [original, answer] = await chat.history(visitor(), { room: "lobby" });
    expect(original).toMatchObject({ seq: 1, deleted: true, content: "" });
    expect(answer).toMatchObject({ seq: 2, replyTo: 1, content: "me!" });
  });

  it("accepts a reply to a message older than the live window", async () => {
    const gage = await signUp("gage");
    for (let i = 1; i <= 5; i++) await chat.send(visitor(gage), { room: "lobby", content: `m${i}` });
    expect(await chat.send(visitor(gage), { room: "lobby", content: "back to the first", replyTo: 1 })).toMatchObject({ replyTo: 1 });
  });
});

describe("reactions", () => {
  it("toggles a person's emoji, idempotently, shows who reacted by name, and pushes the changed message", async () => {
    const gage = await signUp("gage");
    const kim = await signUp("kim");
    const guest = (await chat.beginGuestSession(visitor()))!;
    await chat.send(visitor(gage), { room: "lobby", content: "ship it?" });
    await chat.react(visitor(kim), { room: "lobby", seq: 1, emoji: "👍", on: true });
    await chat.react(visitor(kim), { room: "lobby", seq: 1, emoji: "👍", on: true });
    const both = await chat.react(visitor(guest), { room: "lobby", seq: 1, emoji: "👍", on: true });
    expect(both.reactions).toEqual([{ emoji: "👍", users: ["kim", "anon"] }]);
    expect(pushes.last("room:message")).toEqual({ room: "lobby", message: both });
    await expect.poll(() => pushes.last("room:messages")?.messages.at(-1)?.reactions).toEqual(both.reactions);
    const back = await chat.react(visitor(kim), { room: "lobby", seq: 1, emoji: "👍", on: false });
    expect(back.reactions).toEqual([{ emoji: "👍", users: ["anon"] }]);
  });

  it("takes one emoji and nothing else: text is invalid_payload", async () => {
    const gage = await signUp("gage");
    await chat.send(visitor(gage), { room: "lobby", content: "hi" });
    for (const emoji of ["ok", "👍👍", "", "<b>"]) {
      expect(await codeOf(chat.react(visitor(gage), { room: "lobby", seq: 1, emoji, on: true })), emoji).toBe("invalid_payload");
    }
    expect(await codeOf(chat.react(visitor(gage), { room: "lobby", seq: 1, emoji: "👍" }))).toBe("invalid_payload");
  });

  it("refuses a muted person, a read-only room's member and a banned person with forbidden", async () => {
    const owner = await signUp("owner");
    const kim = await signUp("kim");
    const lee = await signUp("lee");
    await chat.send(visitor(owner), { room: "mine", content: "react to this" });
    await chat.moderate(visitor(owner), { room: "mine", action: "mute", username: "kim" });
    expect(await codeOf(chat.react(visitor(kim), { room: "mine", seq: 1, emoji: "👍", on: true }))).toBe("forbidden");
    await chat.moderate(visitor(owner), { room: "mine", action: "ban", username: "lee" });
    expect(await codeOf(chat.react(visitor(lee), { room: "mine", seq: 1, emoji: "👍", on: true }))).toBe("forbidden");
    await chat.configure(visitor(owner), { room: "mine", readOnly: true });
    const ann = await signUp("ann");
    expect(await codeOf(chat.react(visitor(ann), { room: "mine", seq: 1, emoji: "👍", on: true }))).toBe("forbidden");
    expect((await chat.react(visitor(owner), { room: "mine", seq: 1, emoji: "👍", on: true })).reactions).toHaveLength(1);
  });

  it("refuses a guest known for one request only, who could never take it back", async () => {
    const gage = await signUp("gage");
    await chat.send(visitor(gage), { room: "lobby", content: "hi" });
    expect(await codeOf(chat.react(visitor(), { room: "lobby", seq: 1, emoji: "👍", on: true }))).toBe("forbidden");
    const mine = await terminal();
    expect((await chat.react(mine, { room: "lobby", seq: 1, emoji: "👍", on: true })).reactions).toEqual([{ emoji: "👍", users: ["anon"] }]);
  });

  it("allows 20 different emoji on a message, and drops them all when it is deleted", async () => {
    const gage = await signUp("gage");
    await chat.send(visitor(gage), { room: "lobby", content: "react away" });
    const emoji = [..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂🤗"];
    for (const one of emoji.slice(0, 20)) await chat.react(visitor(gage), { room: "lobby", seq: 1, emoji: one, on: true });
    expect(await codeOf(chat.react(visitor(gage), { room: "lobby", seq: 1, emoji: emoji[20], on: true }))).toBe("forbidden");
    expect((await chat.deleteMessage(visitor(gage), { room: "lobby", seq: 1 })).reactions).toBeUndefined();
    expect(await codeOf(chat.react(visitor(gage), { room: "lobby", seq: 1, emoji: "👍", on: true }))).toBe("not_found");
  });
});

describe("pins", () => {
  it("lets the owner and moderators pin and unpin; settings.pinned lists them and every page is told", async () => {
    const owner = await signUp("owner");
    const mod = await signUp("mod");
    const kim = await signUp("kim");
    await chat.send(visitor(owner), { room: "mine", content: "the rules" });
    await chat.send(visitor(kim), { room: "mine", content: "hello" });
    await chat.moderate(visitor(owner), { room: "mine", action: "promote", username: "mod" });
    expect(await codeOf(chat.pin(visitor(kim), { room: "mine", seq: 1, on: true }))).toBe("forbidden");
    expect(await chat.pin(visitor(owner), { room: "mine", seq: 2, on: true })).toMatchObject({ seq: 2, pinned: true });
    expect(await chat.pin(visitor(mod), { room: "mine", seq: 1, on: true })).toMatchObject({ seq: 1, pinned: true });
    expect(pushes.last("room:settings")?.settings.pinned).toEqual([1, 2]);
    expect((await chat.roomDetails(visitor(kim), { room: "mine" })).settings.pinned).toEqual([1, 2]);
    await chat.pin(visitor(mod), { room: "mine", seq: 2, on: false });
    expect(pushes.last("room:settings")?.settings.pinned).toEqual([1]);
    expect(await chat.pin(visitor({}, { bearer: ADMIN_TOKEN }), { room: "mine", seq: 2, on: true })).toMatchObject({ pinned: true });
  });

  it("takes a deleted message off the pinned list", async () => {
    const owner = await signUp("owner");
    await chat.send(visitor(owner), { room: "mine", content: "pinned, then gone" });
    await chat.pin(visitor(owner), { room: "mine", seq: 1, on: true });
    expect(await chat.deleteMessage(visitor(owner), { room: "mine", seq: 1 })).not.toHaveProperty("pinned");
    expect((await chat.roomDetails(visitor(), { room: "mine" })).settings.pinned).toEqual([]);
  });
});

describe("a room crash", () => {
  it("keeps edits, deletes, replies, reactions and pins: the restarted worker reads them from the store", async () => {
    const owner = await signUp("owner");
    await chat.send(visitor(owner), { room: "mine", content: "helo" });
    await chat.send(visitor(owner), { room: "mine", content: "a reply", replyTo: 1 });
    await chat.send(visitor(owner), { room: "mine", content: "gone" });
    await chat.editMessage(visitor(owner), { room: "mine", seq: 1, content: "hello" });
    await chat.react(visitor(owner), { room: "mine", seq: 1, emoji: "👍", on: true });
    await chat.pin(visitor(owner), { room: "mine", seq: 2, on: true });
    await chat.deleteMessage(visitor(owner), { room: "mine", seq: 3 });
    const before = await registry.messages("mine");
    await chat.crashRoom(visitor({}, { bearer: ADMIN_TOKEN }), { room: "mine" });
    await expect.poll(() => registry.messages("mine").catch(() => [])).toEqual(before);
    expect(before).toMatchObject([
      { seq: 1, content: "hello", reactions: [{ emoji: "👍", users: ["owner"] }] },
      { seq: 2, replyTo: 1, pinned: true },
      { seq: 3, deleted: true },
    ]);
    expect((await chat.roomDetails(visitor(), { room: "mine" })).settings.pinned).toEqual([2]);
  });
});
