// A node's rooms follow the PostgreSQL store's feed, a channel per room: a room is
// heard from before its worker reads the store (nothing committed meanwhile is lost),
// while it is live or watched here, and no longer once it is neither. Real PostgreSQL,
// two stores on one database: this node's (with its registry) and another node's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgresServer, type PostgresServer } from "../../server/postgres-server";
import { createLogger } from "../logger";
import type { Identity, Message } from "../protocol";
import type { RoomPush } from "../pushes/push-bus";
import { openPostgresStore, type PostgresStore } from "../store/postgres";
import { RegistryManager } from "./registry";

const lee: Identity = { username: "lee", guest: true };

let server: PostgresServer;
let dir: string;
let databases = 0;
const closing: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "livechat-store-feed-"));
  server = await startPostgresServer({ dir, fsync: false });
}, 60_000);
afterEach(async () => {
  // Registries before their stores.
  for (const item of closing.splice(0).reverse()) await item.close();
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** This node (a store and its registry) and another node's store, on a new database. */
async function twoNodes(options: { maxLiveRooms?: number } = {}): Promise<{ here: PostgresStore; registry: RegistryManager; other: PostgresStore }> {
  const url = await server.createDatabase(`feed_${++databases}`);
  const [here, other] = await Promise.all([openPostgresStore({ url, poolSize: 2 }), openPostgresStore({ url, poolSize: 2 })]);
  closing.push(here, other);
  const registry = new RegistryManager({
    store: here,
    logger: createLogger({}, "silent"),
    historyWindow: 50,
    maxLiveRooms: options.maxLiveRooms ?? 100,
    idleMs: 60_000,
  });
  closing.push(registry);
  return { here, registry, other };
}

const draft = (content: string) => ({ username: lee.username, guest: true, content, sentAt: new Date().toISOString() });
/** Polls that wait on PostgreSQL round trips, on a machine others share. */
const POLL = { timeout: 10_000 };
const seqsOf = (messages: Message[]) => messages.map((message) => message.seq);

/**
 * Whether this node's feed connection receives the room's notices now. The other node
 * writes the room, then a marker room this node follows: PostgreSQL sends a connection
 * its notices in commit order, so once the marker is heard the room's notice has come
 * if it ever will. Following a fresh room first flushes any UNLISTEN sent before (one
 * connection runs its statements in order).
 */
async function receives(here: PostgresStore, other: PostgresStore, room: string): Promise<boolean> {
  const marker = `marker-${Math.random()}`;
  let heard = false;
  const stop = here.watch({ appended: (message) => (heard ||= message.room === marker), deleted: () => {}, resync: () => {} });
  try {
    await here.follow(marker);
    const before = here.feedTraffic.notices;
    await other.append(room, draft("probe"));
    await other.append(marker, draft("marker"));
    await expect.poll(() => heard, POLL).toBe(true);
    return here.feedTraffic.notices - before === 2;
  } finally {
    stop();
    here.unfollow(marker);
  }
}

describe("a node's rooms on the PostgreSQL feed", () => {
  it("misses no message another node stores while a room becomes live here", async () => {
    const { registry, other } = await twoNodes();
    for (let round = 0; round < 20; round++) {
      const room = `race-${round}`;
      const writes = (async () => {
        for (let i = 0; i < 5; i++) {
          await other.append(room, draft(`m${i}`));
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      await registry.messages(room); // the room starts here while the other node writes
      await writes;
      // Nothing is written after: a message missed between the worker's read and its
      // listening would never be caught up by a later one.
      await expect.poll(async () => seqsOf(await registry.messages(room)), POLL).toEqual([1, 2, 3, 4, 5]);
    }
  }, 60_000);

  it("stops hearing a room once it is no longer live here, and hears it again when it is", async () => {
    const { here, registry, other } = await twoNodes({ maxLiveRooms: 1 });
    await registry.messages("first");
    expect(await receives(here, other, "first")).toBe(true);
    await registry.messages("second"); // the only live room's place: "first", empty, stops
    await expect.poll(() => receives(here, other, "first"), POLL).toBe(false);
    expect(await receives(here, other, "second")).toBe(true);
    await registry.messages("first");
    expect(await receives(here, other, "first")).toBe(true);
    await other.append("first", draft("later"));
    await expect.poll(async () => (await registry.messages("first")).at(-1)?.content, POLL).toBe("later");
  }, 30_000);

  it("hears a room watched here though no worker is live for it, and pushes its messages to the watcher", async () => {
    const { here, registry, other } = await twoNodes();
    const pushes: RoomPush[] = [];
    const unwatch = registry.watch("sidebar", (push) => pushes.push(push));
    expect(registry.liveRooms).toBe(0);
    await expect.poll(() => receives(here, other, "sidebar"), POLL).toBe(true);
    await other.append("sidebar", draft("news"));
    await expect
      .poll(() => pushes.some((push) => push.event === "room:messages" && push.payload.messages.some((message) => message.content === "news")), POLL)
      .toBe(true);
    unwatch();
  });
});
