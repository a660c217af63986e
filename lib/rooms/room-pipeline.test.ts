// Sends within one room are pipelined: the next append starts before the previous one
// is durable (so one group commit covers many of the room's messages), while acks and
// `room:messages` pushes still come only after durability, in seq order.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { startPostgresServer } from "../../server/postgres-server";
import type { Identity, Message } from "../protocol";
import { MemoryStore } from "../store/memory";
import { openPostgresStore } from "../store/postgres";
import { openSqliteStore, type SqliteStore } from "../store/sqlite";
import type { AppendResult, MessageDraft, Store } from "../store/store";
import { PushLog, RecordingLogger, WrappedStore } from "../testing/fakes";
import { MemoryPresence } from "../presence/memory";
import { Room, type RoomDeps } from "./room";

const gage: Identity = { username: "gage", guest: false };
/** A guest: no owner claim (which waits for its own fsync) comes before the first append. */
const lee: Identity = { username: "lee", guest: true };

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A SQLite store whose commits (and so their fsyncs) wait until the test opens the gate. */
async function gatedStore(): Promise<{ store: SqliteStore; syncsWaiting: () => number; open: () => void }> {
  const dir = await mkdtemp(path.join(tmpdir(), "livechat-pipeline-"));
  dirs.push(dir);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let waiting = 0;
  const beforeCommit = async () => {
    waiting += 1;
    await gate;
    waiting -= 1;
  };
  const store = await openSqliteStore({ dir, logger: new RecordingLogger(), beforeCommit });
  return { store, syncsWaiting: () => waiting, open };
}

/** Counts appends started, and lets each one's result through only when the test says. */
class HeldResults extends WrappedStore {
  started = 0;
  private readonly held: Array<() => void> = [];

  override async append(room: string, draft: MessageDraft): Promise<AppendResult> {
    this.started += 1;
    const result = super.append(room, draft); // the seq is fixed now, at call time
    await new Promise<void>((resolve) => this.held.push(resolve));
    return result;
  }

  /** Lets the results of the appends numbered `indexes` (0 = first started) through. */
  release(...indexes: number[]): void {
    for (const index of indexes) this.held[index]!();
  }
}

async function startRoom(store: Store) {
  const pushes = new PushLog();
  const room = await Room.start({
    name: "lobby",
    store,
    presence: new MemoryPresence(),
    publish: pushes.publish,
    historyWindow: 500,
    onExit: vi.fn<RoomDeps["onExit"]>(),
  });
  return { room, pushes };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const seqsOf = (messages: Message[]) => messages.map((message) => message.seq);

/** Records, in order, each ack as it arrives. */
function track(sends: Array<Promise<Message>>): number[] {
  const acked: number[] = [];
  for (const send of sends) void send.then((message) => acked.push(message.seq));
  return acked;
}

describe("pipelined sends", () => {
  it("starts the next append before the first is durable, and acks and pushes only once the fsync is done", async () => {
    const { store, syncsWaiting, open } = await gatedStore();
    const counted = new (class extends WrappedStore {
      started = 0;
      override append(room: string, draft: MessageDraft): Promise<AppendResult> {
        this.started += 1;
        return super.append(room, draft);
      }
    })(store);
    const { room, pushes } = await startRoom(counted);
    const first = room.send({ author: lee, content: "one" });
    await vi.waitFor(() => expect(syncsWaiting()).toBe(1)); // the first record waits for its fsync
    const second = room.send({ author: lee, content: "two" });
    const third = room.send({ author: lee, content: "three" });
    await vi.waitFor(() => expect(counted.started).toBe(3));
    const acked = track([first, second, third]);
    await turn();
    await turn();
    expect(acked).toEqual([]);
    expect(pushes.of("room:messages")).toEqual([]);
    expect(await room.messages()).toEqual([]); // the window holds only durable messages

    open();
    expect(seqsOf(await Promise.all([first, second, third]))).toEqual([1, 2, 3]);
    expect(acked).toEqual([1, 2, 3]);
    await turn();
    const pushed = pushes.of("room:messages");
    expect(pushed.at(-1)?.seq).toBe(3);
    for (const push of pushed) expect(seqsOf(push.messages)).toEqual(Array.from({ length: push.seq }, (_, i) => i + 1));
    await store.close();
  });

  it("makes many sends to one room durable with a few fsyncs, not one each", async () => {
    const { store, open } = await gatedStore();
    open();
    const { room } = await startRoom(store);
    const before = store.writer.commits;
    const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => room.send({ author: gage, content: `m${i}` })));
    expect(seqsOf(sent)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(store.writer.commits - before).toBeLessThanOrEqual(3);
    await store.close();
  });

  it("acks and pushes in seq order even when the store answers out of order", async () => {
    const store = new HeldResults(new MemoryStore());
    const { room, pushes } = await startRoom(store);
    const sends = [0, 1, 2].map((i) => room.send({ author: gage, content: `m${i}` }));
    await vi.waitFor(() => expect(store.started).toBe(3));
    const acked = track(sends);
    store.release(2, 1);
    await turn();
    await turn();
    expect(acked).toEqual([]);
    expect(pushes.of("room:messages")).toEqual([]);
    store.release(0);
    await Promise.all(sends);
    expect(acked).toEqual([1, 2, 3]);
    await turn();
    const seqs = pushes.of("room:messages").map((push) => push.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs.at(-1)).toBe(3);
  });

  it("answers a retry of a clientId whose first write is in flight with the first message, once durable", async () => {
    const { store, syncsWaiting, open } = await gatedStore();
    const { room } = await startRoom(store);
    const first = room.send({ author: lee, content: "hello", clientId: "c-1" });
    await vi.waitFor(() => expect(syncsWaiting()).toBe(1));
    const retry = room.send({ author: lee, content: "hello", clientId: "c-1" });
    const acked = track([first, retry]);
    await turn();
    expect(acked).toEqual([]);
    open();
    const [original, again] = await Promise.all([first, retry]);
    expect(again).toEqual(original);
    expect(seqsOf(await room.messages())).toEqual([1]);
    await store.close();
  });
});

describe("pipelined sends on the PostgreSQL store", () => {
  it("stores them in mailbox order with one gapless seq, acked in that order", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "livechat-pipeline-postgres-"));
    dirs.push(dir);
    const postgres = await startPostgresServer({ dir, fsync: false });
    const store = await openPostgresStore({ url: await postgres.createDatabase("pipeline"), poolSize: 2 });
    try {
      const { room, pushes } = await startRoom(store);
      const sends = Array.from({ length: 30 }, (_, i) => room.send({ author: lee, content: `m${i}` }));
      const acked = track(sends);
      const sent = await Promise.all(sends);
      expect(sent.map((message) => [message.seq, message.content])).toEqual(sent.map((_, i) => [i + 1, `m${i}`]));
      expect(acked).toEqual(sent.map((message) => message.seq));
      await turn();
      expect(seqsOf(pushes.last("room:messages")!.messages)).toEqual(acked);
      expect(await store.recent("lobby", 100)).toEqual(sent);
    } finally {
      await store.close();
      await postgres.stop();
    }
  }, 60_000);
});
