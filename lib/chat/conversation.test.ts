// Editing and deleting messages through the chat service, over the real parts: who
// may, what every page is pushed, and what the store keeps.
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
    expect(JSON.stringify(store.capture())).not.toContain("spam");
  });
});
