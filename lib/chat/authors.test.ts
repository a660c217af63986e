// Who wrote it: people, not names. Two guests of one name are two people, a guest's
// session keeps its messages its own, and the key that names an author never leaves
// the server. Over the real parts: the memory store, the registry, accounts.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Accounts } from "../accounts/accounts";
import { AUTH_LIMITS, AuthThrottle } from "../accounts/auth-throttle";
import type { SessionData } from "../accounts/session";
import { SendLimiter } from "../limits/send-limiter";
import { createLogger } from "../logger";
import { hasReacted, reactorsOf, samePerson, type Identity } from "../protocol";
import { PushLog } from "../testing/fakes";
import { RegistryManager } from "../rooms/registry";
import { MemoryStore } from "../store/memory";
import type { AppendResult, MessageDraft } from "../store/store";
import type { Caller, ConnectionPort } from "./caller";
import { ChatService } from "./service";

/** The memory store, noting the author key of each message it is asked to keep. */
class AuthorsKept extends MemoryStore {
  readonly authors = new Map<string, Array<string | undefined>>();

  override async append(room: string, draft: MessageDraft): Promise<AppendResult> {
    const result = await super.append(room, draft);
    if (result.created) this.authors.set(room, [...(this.authors.get(room) ?? []), draft.author]);
    return result;
  }
}

let store: AuthorsKept;
let pushes: PushLog;
let registry: RegistryManager;
let chat: ChatService;

beforeEach(() => {
  store = new AuthorsKept();
  pushes = new PushLog();
  registry = new RegistryManager({ store, pushes: pushes.bus, logger: createLogger({}, "silent"), historyWindow: 50, maxLiveRooms: 100, idleMs: 60_000 });
  chat = new ChatService({
    registry,
    accounts: new Accounts(store, { bcryptCost: 4 }),
    authThrottle: new AuthThrottle(AUTH_LIMITS),
    sendLimiter: new SendLimiter({ ratePerSecond: 100, burst: 100 }),
    logger: createLogger({}, "silent"),
  });
});

afterEach(async () => {
  await registry.close();
});

let connections = 0;

/** A Socket.IO connection as server/socket.ts makes one: identified once from its cookie at the handshake. */
async function connectWith(session: SessionData): Promise<Caller> {
  const id = `conn-${++connections}`;
  const rooms = new Set<string>();
  const port: ConnectionPort = {
    id,
    rooms: () => rooms,
    isIn: (room) => rooms.has(room),
    enter: async (room) => void rooms.add(room),
    exit: async (room) => void rooms.delete(room),
  };
  const person = await chat.identify({ credentials: { kind: "cookie", session: async () => session }, address: "10.0.0.1" });
  return chat.connect(port, person, "10.0.0.1");
}

function visitor(session: SessionData): Caller {
  return { credentials: { kind: "cookie", session: async () => session }, address: "10.0.0.2" };
}

async function guestSession(): Promise<SessionData> {
  const begun = await chat.beginGuestSession(visitor({}));
  if (!begun) throw new Error("expected a new guest session");
  return begun;
}

describe("guests of one name", () => {
  it("are two members with two tags, and each sees only its own messages as its own", async () => {
    const first = await connectWith(await guestSession());
    const second = await connectWith(await guestSession());
    const a = await chat.join(first, { room: "lobby" });
    const b = await chat.join(second, { room: "lobby" });
    expect(a.you.username).toBe("anon");
    expect(b.you.username).toBe("anon");
    expect(a.you.tag).toMatch(/^\d{4}$/);
    expect(b.members).toHaveLength(2);
    expect(new Set(b.members.map((member) => member.tag)).size).toBe(2);

    const fromA = await chat.send(first, { room: "lobby", content: "from a" });
    expect(fromA.tag).toBe(a.you.tag);
    expect(samePerson(a.you, fromA)).toBe(true);
    expect(samePerson(b.you, fromA)).toBe(false);
  });

  it("see only their own reactions as their own, as the room's pushes show them, by the person and not the name", async () => {
    const first = await connectWith(await guestSession());
    const second = await connectWith(await guestSession());
    const a = await chat.join(first, { room: "lobby" });
    const b = await chat.join(second, { room: "lobby" });
    await chat.send(second, { room: "lobby", content: "a question" });

    const reacted = await chat.react(first, { room: "lobby", seq: 1, emoji: "👍", on: true });
    expect(reacted.reactions).toEqual([{ emoji: "👍", users: ["anon"] }]);
    expect(reacted.reactionTags).toEqual([[a.you.tag]]);
    expect(hasReacted(reacted, "👍", a.you)).toBe(true);
    expect(hasReacted(reacted, "👍", b.you)).toBe(false);
    // The window both pages hold says the same.
    await expect.poll(() => pushes.last("room:messages")?.messages.at(-1)?.reactionTags).toEqual([[a.you.tag]]);
    const shown = pushes.last("room:messages")!.messages.at(-1)!;
    expect(hasReacted(shown, "👍", b.you)).toBe(false);
    expect(hasReacted(shown, "👍", a.you)).toBe(true);

    // The second anon joins in: one emoji, two people, each pressing only its own.
    const both = await chat.react(second, { room: "lobby", seq: 1, emoji: "👍", on: true });
    expect(both.reactions).toEqual([{ emoji: "👍", users: ["anon", "anon"] }]);
    expect(both.reactionTags).toEqual([[a.you.tag, b.you.tag]]);
    expect(reactorsOf(both, 0)).toEqual([a.you, b.you]);
    const back = await chat.react(first, { room: "lobby", seq: 1, emoji: "👍", on: false });
    expect(back.reactionTags).toEqual([[b.you.tag]]);
    expect(hasReacted(back, "👍", a.you)).toBe(false);
    expect(hasReacted(back, "👍", b.you)).toBe(true);
    // Which session reacted never leaves the server: only the tags the members list shows.
    expect(JSON.stringify(back)).not.toMatch(/guest:|conn:/);
  });

  it("keeps a guest's tag across connections while its session lasts", async () => {
    const session = await guestSession();
    const one = await chat.join(await connectWith(session), { room: "lobby" });
    const two = await chat.join(await connectWith(session), { room: "lobby" });
    expect(two.you).toEqual(one.you);
    // Two tabs of one person are one member.
    expect(two.members).toEqual([one.you]);
    expect(await chat.me(visitor(session))).toEqual(one.you);
  });

  it("keeps the guest session when the guest picks a name", async () => {
    const session = await guestSession();
    const named = await chat.guest(visitor(session), { name: "visitor_1" });
    expect(named.session).toEqual({ guestName: "visitor_1", guestId: session.guestId });
    expect(named.user).toMatchObject({ username: "visitor_1", guest: true, tag: expect.stringMatching(/^\d{4}$/) });
  });

  it("makes each cookie-less connection a person of its own", async () => {
    const first = await connectWith({});
    const second = await connectWith({});
    const a = await chat.join(first, { room: "lobby" });
    const b = await chat.join(second, { room: "lobby" });
    expect(b.members).toHaveLength(2);
    expect(samePerson(a.you, b.you)).toBe(false);
  });
});

describe("a guest session", () => {
  it("is begun for a guest without one, and not again, nor for a signed-in user", async () => {
    const session = await guestSession();
    expect(session.guestId).toEqual(expect.any(String));
    expect(await chat.beginGuestSession(visitor(session))).toBeUndefined();
    const { session: account } = await chat.register(visitor({}), { username: "gage", password: "correct horse" });
    expect(await chat.beginGuestSession(visitor(account))).toBeUndefined();
  });
});

describe("the author's key", () => {
  it("is kept by the store and never sent: not in acks, lists, pushes or history", async () => {
    const session = await guestSession();
    const caller = await connectWith(session);
    await chat.join(caller, { room: "lobby" });
    const sent = await chat.send(caller, { room: "lobby", content: "mine" });
    expect(keptAuthors("lobby")).toEqual([`guest:${session.guestId}`]);

    await expect.poll(() => pushes.last("room:messages")?.messages.length).toBe(1);
    const seen: unknown[] = [
      sent,
      (await chat.join(await connectWith({}), { room: "lobby" })).messages,
      pushes.last("room:messages"),
      await chat.history(visitor({}), { room: "lobby" }),
    ];
    for (const wire of seen) {
      expect(JSON.stringify(wire)).not.toContain("author");
      expect(JSON.stringify(wire)).not.toContain(session.guestId);
    }
  });

  it("names an account by its name, whatever the case it signs in with", async () => {
    const { session } = await chat.register(visitor({}), { username: "Gage", password: "correct horse" });
    await chat.send(visitor(session), { room: "lobby", content: "hi" });
    expect(keptAuthors("lobby")).toEqual(["user:gage"]);
  });
});

/** The author keys the store keeps. */
function keptAuthors(room: string): Array<string | undefined> {
  return store.authors.get(room) ?? [];
}

const anon: Identity = { username: "anon", guest: true };

describe("samePerson", () => {
  it("tells guests apart by tag and accounts by name, case-insensitively", () => {
    expect(samePerson({ ...anon, tag: "0001" }, { ...anon, tag: "0002" })).toBe(false);
    expect(samePerson({ ...anon, tag: "0001" }, { ...anon, tag: "0001" })).toBe(true);
    expect(samePerson({ username: "Gage", guest: false }, { username: "gage", guest: false })).toBe(true);
    expect(samePerson({ username: "gage", guest: false }, { username: "gage", guest: true })).toBe(false);
  });
});
