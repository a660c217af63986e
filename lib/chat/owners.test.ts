// Rooms with owners through the chat service, over the real parts (memory store,
// RegistryManager, accounts): roles, settings, moderation, private and read-only
// rooms, slow mode, as every transport gets them.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Accounts } from "../accounts/accounts";
import { AUTH_LIMITS, AuthThrottle } from "../accounts/auth-throttle";
import type { SessionData } from "../accounts/session";
import { SendLimiter } from "../limits/send-limiter";
import { createLogger } from "../logger";
import type { Identity } from "../protocol";
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
