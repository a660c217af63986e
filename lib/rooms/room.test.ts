// The Room worker: one room's total order, its pushes and its presence, and what
// happens to callers when its store fails.
import { describe, expect, it, vi } from "vitest";
import { ChatError } from "../errors";
import type { ErrorCode, Identity, Message } from "../protocol";
import { MemoryStore } from "../store/memory";
import type { Store } from "../store/store";
import { AppendFailsOnce, GatedStore, PushLog } from "../testing/fakes";
import { MemoryPresence } from "../presence/memory";
import { Room, WorkerExited, type RoomDeps } from "./room";

const gage: Identity = { username: "gage", guest: false };
const kim: Identity = { username: "kim", guest: false };
const lee: Identity = { username: "lee", guest: true };

async function startRoom(options: { store?: Store; historyWindow?: number; name?: string } = {}) {
  const store = options.store ?? new MemoryStore();
  const pushes = new PushLog();
  const onExit = vi.fn<RoomDeps["onExit"]>();
  const room = await Room.start({
    name: options.name ?? "lobby",
    store,
    presence: new MemoryPresence(),
    publish: pushes.publish,
    historyWindow: options.historyWindow ?? 500,
    onExit,
  });
  return { room, store, pushes, onExit };
}

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | "no error"> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ChatError) return error.code;
    throw error;
  }
  return "no error";
}

/**
 * The room coalesces its `room:messages` pushes onto setImmediate; once this has
 * resolved, every push scheduled before it has been published.
 */
const scheduledPushesPublished = () => new Promise<void>((resolve) => setImmediate(resolve));

const seqsOf = (messages: Message[]) => messages.map((message) => message.seq);
const contentsOf = (messages: Message[]) => messages.map((message) => message.content);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("sending", () => {
  it("gives every message the next seq when many are sent at once", async () => {
    const { room, store } = await startRoom();
    const authors = [gage, kim, lee, { username: "ana", guest: true }];
    const sent = await Promise.all(
      Array.from({ length: 200 }, (_, i) => room.send({ author: authors[i % authors.length]!, content: `message ${i}` })),
    );
    expect(seqsOf(sent)).toEqual(oneTo(200));
    expect(await store.recent("lobby", 1000)).toEqual(sent);
  });

  it("keeps each author's messages in the order that author sent them", async () => {
    const { room } = await startRoom();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => room.send({ author: i % 2 ? gage : kim, content: `${i % 2 ? "gage" : "kim"} ${i}` })),
    );
    const window = await room.messages();
    for (const author of ["gage", "kim"]) {
      const numbers = window.filter((m) => m.username === author).map((m) => Number(m.content.split(" ")[1]));
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(numbers).toHaveLength(30);
    }
  });

  it("stores the content trimmed under the author the server named", async () => {
    const { room } = await startRoom();
    const message = await room.send({ author: lee, content: "  hello  ", clientId: "c-1" });
    expect(message).toMatchObject({ room: "lobby", seq: 1, username: "lee", guest: true, content: "hello", clientId: "c-1" });
  });

  it("returns the first message and stores one when a clientId is sent twice", async () => {
    const { room, store } = await startRoom();
    const first = await room.send({ author: gage, content: "hello", clientId: "c-1" });
    const again = await room.send({ author: gage, content: "hello", clientId: "c-1" });
    expect(again).toEqual(first);
    expect(await store.recent("lobby", 10)).toEqual([first]);
    expect(await room.messages()).toEqual([first]);
  });

  it("pushes a message sent twice with the same clientId only once", async () => {
    const { room, pushes } = await startRoom();
    await room.send({ author: gage, content: "hello", clientId: "c-1" });
    await vi.waitFor(() => expect(pushes.of("room:messages")).toHaveLength(1));
    await room.send({ author: gage, content: "hello", clientId: "c-1" });
    await scheduledPushesPublished();
    expect(pushes.of("room:messages")).toHaveLength(1);
  });

  it("refuses a send from a connection that has not joined with not_joined and stores nothing", async () => {
    const { room, store } = await startRoom();
    expect(await codeOf(room.send({ author: gage, content: "hello", connectionId: "tab-1" }))).toBe("not_joined");
    expect(await store.recent("lobby", 10)).toEqual([]);
  });

  it("accepts a send from a connection once it has joined", async () => {
    const { room } = await startRoom();
    await room.join("tab-1", gage);
    expect((await room.send({ author: gage, content: "hello", connectionId: "tab-1" })).seq).toBe(1);
  });

  it("refuses a send from a connection that has left with not_joined", async () => {
    const { room } = await startRoom();
    await room.join("tab-1", gage);
    await room.leave("tab-1");
    expect(await codeOf(room.send({ author: gage, content: "hello", connectionId: "tab-1" }))).toBe("not_joined");
  });

  it("refuses empty and oversized content with invalid_message and keeps serving the room", async () => {
    const { room, onExit } = await startRoom();
    expect(await codeOf(room.send({ author: gage, content: "   " }))).toBe("invalid_message");
    expect(await codeOf(room.send({ author: gage, content: "a".repeat(2001) }))).toBe("invalid_message");
    const next = await room.send({ author: gage, content: "still here" });
    expect(next.seq).toBe(1);
    expect(room.alive).toBe(true);
    expect(onExit).not.toHaveBeenCalled();
  });
});

describe("the full-list push", () => {
  it("ends a burst of sends with a push that holds every message and the newest seq", async () => {
    const { room, pushes } = await startRoom();
    const sent = await Promise.all(Array.from({ length: 40 }, (_, i) => room.send({ author: gage, content: `m${i}` })));
    await vi.waitFor(() => expect(pushes.last("room:messages")?.seq).toBe(40));
    const last = pushes.last("room:messages")!;
    expect(last.room).toBe("lobby");
    expect(last.messages).toEqual(sent);
  });

  it("gives every push the seq of the newest message it holds", async () => {
    const { room, pushes } = await startRoom();
    for (let i = 0; i < 5; i++) {
      await room.send({ author: gage, content: `m${i}` });
      await vi.waitFor(() => expect(pushes.last("room:messages")?.seq).toBe(i + 1));
    }
    for (const push of pushes.of("room:messages")) expect(push.seq).toBe(push.messages.at(-1)?.seq);
  });

  it("publishes the push on the room's topic", async () => {
    const { room, pushes } = await startRoom();
    await room.send({ author: gage, content: "hello" });
    await vi.waitFor(() => expect(pushes.of("room:messages")).toHaveLength(1));
    expect(pushes.all.find((push) => push.event === "room:messages")?.topic).toBe("room:lobby");
  });

  it("never holds more than the history window, keeping the newest messages", async () => {
    const { room, pushes } = await startRoom({ historyWindow: 5 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => room.send({ author: gage, content: `m${i}` })));
    await vi.waitFor(() => expect(pushes.last("room:messages")?.seq).toBe(12));
    expect(seqsOf(pushes.last("room:messages")!.messages)).toEqual([8, 9, 10, 11, 12]);
    expect(pushes.of("room:messages").every((push) => push.messages.length <= 5)).toBe(true);
    expect(seqsOf(await room.messages())).toEqual([8, 9, 10, 11, 12]);
  });

  it("starts from the newest window the store holds and continues its seq", async () => {
    const store = new MemoryStore();
    for (let i = 1; i <= 12; i++) {
      await store.append("lobby", { username: "gage", guest: false, content: `m${i}`, sentAt: new Date().toISOString() });
    }
    const { room } = await startRoom({ store, historyWindow: 5 });
    expect(seqsOf(await room.messages())).toEqual([8, 9, 10, 11, 12]);
    expect((await room.send({ author: gage, content: "next" })).seq).toBe(13);
  });
});

describe("presence", () => {
  it("answers a join with the room's messages and its members", async () => {
    const { room } = await startRoom();
    const hello = await room.send({ author: kim, content: "hello" });
    await room.join("tab-kim", kim);
    expect(await room.join("tab-gage", gage)).toEqual({ messages: [hello], members: [gage, kim] });
  });

  it("announces a person joining with one notice and one presence push", async () => {
    const { room, pushes } = await startRoom();
    await room.join("tab-1", gage);
    expect(pushes.of("room:notice")).toEqual([{ room: "lobby", kind: "join", username: "gage", at: expect.any(String) }]);
    expect(pushes.of("room:presence")).toEqual([{ room: "lobby", members: [gage] }]);
  });

  it("gives no second notice when the same user opens a second tab", async () => {
    const { room, pushes } = await startRoom();
    await room.join("tab-1", gage);
    const second = await room.join("tab-2", gage);
    expect(second.members).toEqual([gage]);
    expect(pushes.of("room:notice")).toHaveLength(1);
    expect(pushes.of("room:presence")).toHaveLength(1);
  });

  it("counts a second tab under another case of the same name as the same person", async () => {
    const { room, pushes } = await startRoom();
    await room.join("tab-1", { username: "Gage", guest: false });
    await room.join("tab-2", { username: "gage", guest: false });
    expect(pushes.of("room:notice")).toHaveLength(1);
  });

  it("gives no second notice when one tab joins twice", async () => {
    const { room, pushes } = await startRoom();
    await room.join("tab-1", gage);
    await room.join("tab-1", gage);
    expect(pushes.of("room:notice")).toHaveLength(1);
  });

  it("announces a leave only when the person's last tab leaves", async () => {
    const { room, pushes } = await startRoom();
    await room.join("tab-1", gage);
    await room.join("tab-2", gage);
    await room.join("tab-kim", kim);
    await room.leave("tab-1");
    expect(pushes.of("room:notice").filter((notice) => notice.kind === "leave")).toEqual([]);
    await room.leave("tab-2");
    expect(pushes.of("room:notice").filter((notice) => notice.kind === "leave")).toEqual([
      { room: "lobby", kind: "leave", username: "gage", at: expect.any(String) },
    ]);
    expect(pushes.last("room:presence")).toEqual({ room: "lobby", members: [kim] });
  });

  it("ignores a leave from a connection that never joined", async () => {
    const { room, pushes } = await startRoom();
    await room.join("tab-1", gage);
    await room.leave("tab-stranger");
    expect(pushes.of("room:notice")).toHaveLength(1);
    expect(pushes.of("room:presence")).toHaveLength(1);
  });

  it("lists each member once, by name", async () => {
    const { room, pushes } = await startRoom();
    await room.join("tab-1", kim);
    await room.join("tab-2", lee);
    await room.join("tab-3", gage);
    await room.join("tab-4", kim);
    expect(pushes.last("room:presence")?.members).toEqual([gage, kim, lee]);
  });

  it("makes the first registered user to join the room its owner", async () => {
    const { room, store } = await startRoom();
    await room.join("tab-kim", kim);
    await room.join("tab-gage", gage);
    expect(await store.owner("lobby")).toBe("kim");
  });
});

describe("failures", () => {
  it("answers room_unavailable to the caller whose store write failed and tells the supervisor", async () => {
    const store = new AppendFailsOnce();
    const { room, onExit } = await startRoom({ store });
    expect(await codeOf(room.send({ author: gage, content: "hello" }))).toBe("room_unavailable");
    await room.exited;
    expect(room.alive).toBe(false);
    expect(onExit).toHaveBeenCalledTimes(1);
    expect(onExit.mock.calls[0]![0]).toBe(room);
    expect(onExit.mock.calls[0]![1]).toBeInstanceOf(Error);
  });

  it("answers a send pipelined behind a failed write with what the store did with it", async () => {
    const store = new AppendFailsOnce();
    const { room, onExit } = await startRoom({ store });
    const [failed, pipelined] = await Promise.allSettled([
      room.send({ author: gage, content: "first" }),
      room.send({ author: gage, content: "second" }),
    ]);
    expect(failed.status === "rejected" && failed.reason instanceof ChatError && failed.reason.code).toBe("room_unavailable");
    // Its append had started before the failure was known: it is stored, so it is acknowledged.
    expect(pipelined.status === "fulfilled" && pipelined.value.seq).toBe(1);
    expect(contentsOf(await store.recent("lobby", 10))).toEqual(["second"]);
    await room.exited;
    expect(onExit).toHaveBeenCalledTimes(1);
    await expect(room.send({ author: gage, content: "third" })).rejects.toBeInstanceOf(WorkerExited);
  });

  it("refuses operations after it has exited with WorkerExited", async () => {
    const { room } = await startRoom();
    room.kill(new Error("on purpose"));
    await expect(room.send({ author: gage, content: "hello" })).rejects.toBeInstanceOf(WorkerExited);
  });

  it("finishes the writes in flight when killed, and tells the supervisor only after they are stored", async () => {
    const store = new GatedStore();
    const { room, onExit } = await startRoom({ store });
    let storedWhenSupervisorHeard: number | undefined;
    onExit.mockImplementation(() => {
      storedWhenSupervisorHeard = store.completed;
    });
    store.hold("lobby");
    const first = room.send({ author: gage, content: "first" });
    const second = room.send({ author: gage, content: "second" });
    await vi.waitFor(() => expect(store.waiting).toBe(2));
    room.kill(new Error("on purpose"));
    await expect(room.send({ author: gage, content: "after the kill" })).rejects.toBeInstanceOf(WorkerExited);
    let exited = false;
    void room.exited.then(() => (exited = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(exited).toBe(false);
    store.release();
    expect([(await first).seq, (await second).seq]).toEqual([1, 2]);
    await room.exited;
    expect(onExit).toHaveBeenCalledTimes(1);
    expect(storedWhenSupervisorHeard).toBe(2);
  });

  it("stops quietly without telling the supervisor", async () => {
    const { room, onExit } = await startRoom();
    room.stop();
    await room.exited;
    expect(room.alive).toBe(false);
    expect(onExit).not.toHaveBeenCalled();
  });
});

// With a shared store, other nodes store messages in the same room; the worker hears
// of them (observe) and must push the room's true newest list, in seq order.
describe("following a store that other nodes write to", () => {
  const draft = (content: string) => ({ username: "kim", guest: true, content, sentAt: new Date().toISOString() });

  it("adds a message another node stored and pushes the list with it", async () => {
    const { room, store, pushes } = await startRoom();
    await room.send({ author: gage, content: "mine" });
    const theirs = (await store.append("lobby", draft("theirs"))).message;
    await room.observe(theirs);
    await scheduledPushesPublished();
    expect(pushes.last("room:messages")?.messages.map((m) => m.content)).toEqual(["mine", "theirs"]);
    expect(seqsOf(await room.messages())).toEqual([1, 2]);
  });

  it("fills a gap from the store when it hears of a later message first", async () => {
    const { room, store, pushes } = await startRoom();
    for (const content of ["a", "b", "c"]) await store.append("lobby", draft(content));
    await room.observe((await store.append("lobby", draft("d"))).message);
    await scheduledPushesPublished();
    expect(pushes.last("room:messages")).toMatchObject({ seq: 4 });
    expect(pushes.last("room:messages")?.messages.map((m) => m.content)).toEqual(["a", "b", "c", "d"]);
  });

  it("catches up on messages stored in between when its own send gets a later seq", async () => {
    const { room, store, pushes } = await startRoom();
    await store.append("lobby", draft("from another node"));
    const mine = await room.send({ author: gage, content: "mine" });
    await scheduledPushesPublished();
    expect(mine.seq).toBe(2);
    expect(pushes.last("room:messages")?.messages.map((m) => m.content)).toEqual(["from another node", "mine"]);
  });

  it("ignores news of a message it already holds, and never pushes an older list", async () => {
    const { room, pushes } = await startRoom();
    const first = await room.send({ author: gage, content: "one" });
    await room.send({ author: gage, content: "two" });
    await scheduledPushesPublished();
    const pushed = pushes.of("room:messages").length;
    await room.observe(first);
    await scheduledPushesPublished();
    expect(pushes.of("room:messages")).toHaveLength(pushed);
    expect(seqsOf(await room.messages())).toEqual([1, 2]);
  });
});
