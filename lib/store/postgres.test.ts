// The PostgresStore against the Store contract every backend passes, on a real
// PostgreSQL started for this file; each store of the contract starts from empty
// tables, and the other tests each get a database of their own.
// Then what only a database shared by several nodes shows: two stores (two
// nodes) writing one room, the feed between them, and migrations at start-up.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgresServer, type PostgresServer } from "../../server/postgres-server";
import type { Message } from "../protocol";
import { feedChannel, openPostgresStore, type PostgresStore } from "./postgres";
import { migrate } from "./postgres-migrations";
import { describeStore } from "./store.contract";
import type { MessageDraft } from "./store";

let server: PostgresServer;
let dir: string;
let databases = 0;
let contractUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "livechat-postgres-store-"));
  server = await startPostgresServer({ dir, fsync: false });
  contractUrl = await server.createDatabase("contract");
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const freshDatabase = () => server.createDatabase(`store_${++databases}`);

describeStore("PostgresStore", async () => {
  const store = await openPostgresStore({ url: contractUrl, poolSize: 4 });
  // The previous store of the suite is closed by now: emptying the tables is a new database, sooner.
  const pool = new pg.Pool({ connectionString: contractUrl, max: 1 });
  await pool.query("TRUNCATE users, usernames, rooms, messages, room_entries, room_audit, settings, person_rooms, read_markers RESTART IDENTITY");
  await pool.end();
  return store;
});

const draft = (content: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({
  username: "kim",
  guest: true,
  content,
  sentAt: new Date().toISOString(),
  ...extra,
});

/** Two nodes: two stores, each with its own pool and feed, on one database. */
async function twoNodes(): Promise<[PostgresStore, PostgresStore]> {
  const url = await freshDatabase();
  const [a, b] = await Promise.all([openPostgresStore({ url, poolSize: 4 }), openPostgresStore({ url, poolSize: 4 })]);
  return [a, b];
}

describe("PostgresStore shared by two nodes", () => {
  it("gives both nodes one gap-free order when they append to one room at once", async () => {
    const nodes = await twoNodes();
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => nodes[i % 2]!.append("lobby", draft(`m${i}`, { clientId: `c${i}` }))),
      );
      const seqs = results.map((result) => result.message.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(results.every((result) => result.created)).toBe(true);
      const [seenByA, seenByB] = [await nodes[0].recent("lobby", 500), await nodes[1].recent("lobby", 500)];
      expect(seenByA).toEqual(seenByB);
      expect(seenByA.map((message) => message.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  it("stores a clientId sent through both nodes at once only once, and both get the first message", async () => {
    const nodes = await twoNodes();
    try {
      for (let round = 0; round < 20; round++) {
        const [a, b] = await Promise.all(nodes.map((node) => node.append("lobby", draft(`hello ${round}`, { clientId: `c${round}` }))));
        expect(a!.message).toEqual(b!.message);
        expect([a!.created, b!.created].sort()).toEqual([false, true]);
      }
      const stored = await nodes[0].recent("lobby", 100);
      expect(stored.map((message) => message.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  it("tells every node of each append in seq order, once committed, and of a deleted room", async () => {
    const [writer, watcher] = await twoNodes();
    const heard: Message[] = [];
    const deleted: string[] = [];
    watcher.watch({ appended: (message) => heard.push(message), deleted: (room) => deleted.push(room), resync: () => {} });
    await watcher.follow("lobby");
    try {
      const stored: Message[] = [];
      for (let i = 1; i <= 5; i++) stored.push((await writer.append("lobby", draft(`hello ${i}`, { clientId: `c${i}` }))).message);
      await writer.append("lobby", draft("again", { clientId: "c1" })); // a retry: nothing new to tell
      await writer.deleteRoom("lobby");
      await expect.poll(() => deleted).toEqual(["lobby"]);
      expect(heard).toEqual(stored);
    } finally {
      await Promise.all([writer.close(), watcher.close()]);
    }
  });

  it("does not tell a node of its own appends and deletions, only of the other nodes'", async () => {
    const [self, other] = await twoNodes();
    const heard: string[] = [];
    self.watch({ appended: (message) => heard.push(message.content), deleted: (room) => heard.push(`deleted ${room}`), resync: () => {} });
    await Promise.all(["lobby", "kitchen", "attic"].map((room) => self.follow(room)));
    try {
      await self.append("lobby", draft("mine"));
      await self.deleteRoom("kitchen");
      await other.append("lobby", draft("theirs"));
      await other.deleteRoom("attic");
      await expect.poll(() => heard).toEqual(["theirs", "deleted attic"]);
    } finally {
      await Promise.all([self.close(), other.close()]);
    }
  });

  it("tells the other nodes when a room's settings or lists change, so their workers read them again", async () => {
    const [writer, watcher] = await twoNodes();
    const heard: string[] = [];
    const listener = (who: string) => ({
      appended: () => {},
      deleted: () => {},
      configured: (room: string) => heard.push(`${who}: ${room}`),
      resync: () => {},
    });
    watcher.watch(listener("watcher"));
    writer.watch(listener("writer"));
    await Promise.all([watcher.follow("lobby"), writer.follow("lobby")]);
    try {
      const settings = { topic: "plans", visibility: "public" as const, readOnly: false, slowModeS: 0, moderators: [], pinned: [] };
      await writer.saveRoomSettings("lobby", settings);
      await writer.putRoomEntry("lobby", "bans", { key: "user:kim", username: "kim", by: "ada", at: new Date().toISOString() });
      await writer.removeRoomEntry("lobby", "bans", "user:kim");
      await expect.poll(() => heard).toEqual(["watcher: lobby", "watcher: lobby", "watcher: lobby"]);
      expect(await watcher.roomSettings("lobby")).toEqual(settings);
    } finally {
      await Promise.all([writer.close(), watcher.close()]);
    }
  });

  it("keeps a guest's tag with the message and never answers with its author's key, from either node", async () => {
    const [writer, watcher] = await twoNodes();
    const heard: Message[] = [];
    watcher.watch({ appended: (message) => heard.push(message), deleted: () => {}, resync: () => {} });
    await watcher.follow("lobby");
    try {
      const { message } = await writer.append("lobby", draft("hello", { tag: "x7q", author: "guest:session-1", clientId: "c1" }));
      expect(message).toMatchObject({ tag: "x7q", content: "hello" });
      expect("author" in message).toBe(false);
      const again = await watcher.append("lobby", draft("hello", { tag: "x7q", author: "guest:session-1", clientId: "c1" }));
      expect(again).toEqual({ message, created: false });
      expect(await watcher.recent("lobby", 10)).toEqual([message]);
      await expect.poll(() => heard).toEqual([message]);
    } finally {
      await Promise.all([writer.close(), watcher.close()]);
    }
  });

  it("tells of a message too long for a notification in full all the same", async () => {
    const [writer, watcher] = await twoNodes();
    const heard: Message[] = [];
    watcher.watch({ appended: (message) => heard.push(message), deleted: () => {}, resync: () => {} });
    await watcher.follow("lobby");
    try {
      // 2,000 four-byte characters: 8,000 bytes of content, past NOTIFY's limit.
      const long = (await writer.append("lobby", draft("😀".repeat(2000)))).message;
      const short = (await writer.append("lobby", draft("short"))).message;
      await expect.poll(() => heard.length).toBe(2);
      expect(heard).toEqual([long, short]);
    } finally {
      await Promise.all([writer.close(), watcher.close()]);
    }
  });

  it("tells the other node of each changed message, and keeps concurrent changes of one message from two nodes whole", async () => {
    const [writer, watcher] = await twoNodes();
    const changed: Message[] = [];
    watcher.watch({ appended: () => {}, changed: (message) => changed.push(message), deleted: () => {}, resync: () => {} });
    await watcher.follow("lobby");
    try {
      await writer.append("lobby", draft("helo", { author: "user:kim" }));
      const edited = await writer.updateMessage("lobby", 1, { kind: "edit", content: "hello", at: new Date().toISOString(), author: "user:kim" });
      await expect.poll(() => changed).toEqual([edited]);
      // Twenty people react at once through both nodes: the row lock lets none overwrite another.
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          [writer, watcher][i % 2]!.updateMessage("lobby", 1, { kind: "react", emoji: "👍", on: true, person: { key: `user:p${i}`, username: `p${i}` } }),
        ),
      );
      const [reacted] = await watcher.recent("lobby", 1);
      expect(reacted!.reactions![0]!.users).toHaveLength(20);
      expect(JSON.stringify(reacted)).not.toContain("user:p");
      const tombstone = await watcher.updateMessage("lobby", 1, { kind: "delete" });
      expect(tombstone).toMatchObject({ seq: 1, content: "", deleted: true });
      expect(tombstone.reactions).toBeUndefined();
      expect(await writer.recent("lobby", 10)).toEqual([tombstone]);
    } finally {
      await Promise.all([writer.close(), watcher.close()]);
    }
  });

  it("keeps a user registered through one node visible to the other, names unique whatever the case", async () => {
    const [a, b] = await twoNodes();
    try {
      const user = { username: "Gage", passwordHash: "$2b$04$hash", createdAt: "2026-11-23T10:00:00.000Z" };
      const created = await Promise.all([a.createUser(user), b.createUser({ ...user, username: "gage" })]);
      expect(created.sort()).toEqual([false, true]);
      expect((await b.findUser("GAGE"))?.username).toBe((await a.findUser("gage"))?.username);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

/** `count` nodes on one new database. */
async function nodesOnOneDatabase(count: number): Promise<{ url: string; nodes: PostgresStore[] }> {
  const url = await freshDatabase();
  return { url, nodes: await Promise.all(Array.from({ length: count }, () => openPostgresStore({ url, poolSize: 2 }))) };
}

/** The contents of the messages a node's listeners are told of, as they arrive. */
function hearing(node: PostgresStore): string[] {
  const heard: string[] = [];
  node.watch({ appended: (message) => heard.push(`${message.room}: ${message.content}`), deleted: () => {}, resync: () => {} });
  return heard;
}

describe("PostgresStore feed, a channel per room", () => {
  it("sends a node the notices of the rooms it follows only", async () => {
    const { nodes } = await nodesOnOneDatabase(3);
    const [a, b, writer] = nodes as [PostgresStore, PostgresStore, PostgresStore];
    try {
      const [heardByA, heardByB] = [hearing(a), hearing(b)];
      await Promise.all([a.follow("r1"), b.follow("r2")]);
      await writer.append("r2", draft("for b"));
      await writer.append("r1", draft("for a"));
      await expect.poll(() => heardByA).toEqual(["r1: for a"]);
      await expect.poll(() => heardByB).toEqual(["r2: for b"]);
      // PostgreSQL sends each connection its notices in commit order: had r2's reached A's
      // connection, it would have come before r1's.
      expect(a.feedTraffic.notices).toBe(1);
      expect(b.feedTraffic.notices).toBe(1);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  it("tells a node of a room it follows later from then on, and nothing more once it unfollows", async () => {
    const { nodes } = await nodesOnOneDatabase(2);
    const [a, writer] = nodes as [PostgresStore, PostgresStore];
    try {
      const heard = hearing(a);
      await a.follow("r1");
      await writer.append("r2", draft("before"));
      await a.follow("r2");
      await writer.append("r2", draft("after"));
      await writer.append("r1", draft("marker 1"));
      await expect.poll(() => heard.at(-1)).toBe("r1: marker 1");
      expect(heard).toContain("r2: after");
      a.unfollow("r2");
      await writer.append("r2", draft("gone"));
      await writer.append("r1", draft("marker 2"));
      await expect.poll(() => heard.at(-1)).toBe("r1: marker 2");
      expect(heard).not.toContain("r2: gone");
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  it("misses no message committed while a room is being followed and read", async () => {
    const { nodes } = await nodesOnOneDatabase(2);
    const [a, writer] = nodes as [PostgresStore, PostgresStore];
    try {
      const heard: Message[] = [];
      a.watch({ appended: (message) => heard.push(message), deleted: () => {}, resync: () => {} });
      for (let round = 0; round < 20; round++) {
        const room = `race-${round}`;
        // Another node writes the room before, during and after this node starts following it.
        const writes = (async () => {
          for (let i = 0; i < 6; i++) {
            await writer.append(room, draft(`m${i}`));
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
          }
        })();
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        await a.follow(room);
        const read = await a.recent(room, 100);
        await writes;
        // What it read and what it is told afterwards make every message, as a room worker keeps them.
        const seqs = () => new Set([...read, ...heard.filter((message) => message.room === room)].map((message) => message.seq));
        await expect.poll(() => [...seqs()].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
      }
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  it("listens again to every followed room when its connection is lost, and tells listeners to re-read", async () => {
    const { url, nodes } = await nodesOnOneDatabase(2);
    const [a, writer] = nodes as [PostgresStore, PostgresStore];
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const heard = hearing(a);
      let resyncs = 0;
      a.watch({ appended: () => {}, deleted: () => {}, resync: () => (resyncs += 1) });
      await Promise.all([a.follow("r1"), a.follow("r2")]);
      // A's feed is the one connection whose last statement was a LISTEN (the writer follows nothing).
      const { rowCount } = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'livechat-feed' AND query LIKE 'LISTEN%'",
      );
      expect(rowCount).toBe(1);
      await expect.poll(() => resyncs, { timeout: 10_000 }).toBe(1);
      await writer.append("r1", draft("one"));
      await writer.append("r2", draft("two"));
      await expect.poll(() => heard).toEqual(["r1: one", "r2: two"]);
    } finally {
      await admin.end();
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  it("names each room's channel within PostgreSQL's 63 bytes, whatever the room's name", () => {
    const names = ["lobby", "Lobby", "x".repeat(200), "café ☕ 聊天室 🎉".repeat(10)];
    const channels = names.map(feedChannel);
    expect(new Set(channels).size).toBe(names.length);
    for (const channel of channels) expect(Buffer.byteLength(channel)).toBeLessThanOrEqual(63);
    expect(feedChannel("lobby")).toBe(channels[0]);
  });
});

describe("PostgresStore claims made through two nodes at once", () => {
  it("gives one look-alike name to one person: both nodes answer with the same holder", async () => {
    const [a, b] = await twoNodes();
    try {
      for (let round = 0; round < 20; round++) {
        const holders = await Promise.all([a.claimUsername(`gage${round}`, `Gage${round}`), b.claimUsername(`gage${round}`, `GAGE${round}`)]);
        expect(holders[0]).toBe(holders[1]);
        expect(await a.usernameHolder(`gage${round}`)).toBe(holders[0]);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("agrees on one generated session secret when two nodes start at once", async () => {
    const [a, b] = await twoNodes();
    try {
      const secrets = await Promise.all([a.sharedSetting("session-secret", "from-a"), b.sharedSetting("session-secret", "from-b")]);
      expect(secrets[0]).toBe(secrets[1]);
      expect(await a.sharedSetting("session-secret", "later")).toBe(secrets[0]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("PostgresStore on one node", () => {
  it("deletes a room after the appends this node made to it before, as it was asked", async () => {
    const store = await openPostgresStore({ url: await freshDatabase() });
    try {
      const appended = Array.from({ length: 10 }, (_, i) => store.append("lobby", draft(`m${i}`)));
      const deleted = store.deleteRoom("lobby");
      await Promise.all([...appended, deleted]);
      expect(await store.recent("lobby", 100)).toEqual([]);
      expect((await store.append("lobby", draft("after"))).message.seq).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("answers room_unavailable while PostgreSQL is down, then recovers by itself and tells listeners to re-read", async () => {
    const ownDir = mkdtempSync(join(tmpdir(), "livechat-postgres-restart-"));
    let own = await startPostgresServer({ dir: ownDir, fsync: false });
    const store = await openPostgresStore({ url: await own.createDatabase("restart") });
    let resyncs = 0;
    store.watch({ appended: () => {}, deleted: () => {}, resync: () => (resyncs += 1) });
    try {
      const before = (await store.append("lobby", draft("before"))).message;
      await own.stop();
      await expect(store.append("lobby", draft("during"))).rejects.toMatchObject({
        code: "room_unavailable",
        message: expect.stringMatching(/cannot reach its store \(PostgreSQL\)/),
      });
      await expect(store.recent("lobby", 10)).rejects.toMatchObject({ code: "room_unavailable" });

      own = await startPostgresServer({ dir: ownDir, fsync: false, port: own.port });
      await expect.poll(() => resyncs, { timeout: 15_000 }).toBe(1);
      const after = (await store.append("lobby", draft("after"))).message;
      expect(after.seq).toBe(2);
      expect(await store.recent("lobby", 10)).toEqual([before, after]);
    } finally {
      await store.close();
      await own.stop();
      rmSync(ownDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("PostgreSQL migrations", () => {
  async function withPool<T>(url: string, run: (pool: pg.Pool) => Promise<T>): Promise<T> {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      return await run(pool);
    } finally {
      await pool.end();
    }
  }

  it("applies every migration to a new database, and nothing when run again, keeping the data", async () => {
    const url = await freshDatabase();
    expect(await withPool(url, migrate)).toEqual(["0001-initial.sql", "0002-room-records.sql", "0003-awareness.sql", "0004-search.sql", "0005-conversation.sql", "0007-cjk-search.sql"]);
    const store = await openPostgresStore({ url });
    await store.append("lobby", draft("before the second run"));
    await store.close();

    expect(await withPool(url, migrate)).toEqual([]);
    const reopened = await openPostgresStore({ url });
    try {
      expect((await reopened.recent("lobby", 10)).map((message) => message.content)).toEqual(["before the second run"]);
    } finally {
      await reopened.close();
    }
    const versions = await withPool(url, (pool) => pool.query("SELECT version FROM schema_migrations ORDER BY version"));
    expect(versions.rows).toEqual([{ version: "0001-initial.sql" }, { version: "0002-room-records.sql" }, { version: "0003-awareness.sql" }, { version: "0004-search.sql" }, { version: "0005-conversation.sql" }, { version: "0007-cjk-search.sql" }]);
  });

  it("lets two nodes starting at once both come up, the schema applied once", async () => {
    const url = await freshDatabase();
    const runs = await Promise.all([withPool(url, migrate), withPool(url, migrate), withPool(url, migrate)]);
    expect(runs.flat()).toEqual(["0001-initial.sql", "0002-room-records.sql", "0003-awareness.sql", "0004-search.sql", "0005-conversation.sql", "0007-cjk-search.sql"]);
    const [a, b] = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
    try {
      await a.append("lobby", draft("one"));
      expect((await b.append("lobby", draft("two"))).message.seq).toBe(2);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("says which database it could not reach, without its password", async () => {
    const url = `postgres://postgres:secret-password@127.0.0.1:${server.port}/no_such_database`;
    const failure = await openPostgresStore({ url }).catch((error: unknown) => error);
    expect(String(failure)).toContain("no_such_database");
    expect(String(failure)).not.toContain("secret-password");
  });
});
