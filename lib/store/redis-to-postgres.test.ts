// `livechat migrate`: a STORE=redis cluster's data, written through the Redis store's
// own API on a real redis-server, moved by the command into a real PostgreSQL and read
// back through the PostgreSQL store's API, as the nodes will read it after the upgrade.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runMigrate } from "../../bin/migrate";
import { startPostgresServer, type PostgresServer } from "../../server/postgres-server";
import { startRedisServer, type RedisServer } from "../../server/redis-server";
import type { Message } from "../protocol";
import { openPostgresStore } from "./postgres";
import { RedisStore } from "./redis";
import { connectRedis } from "./redis-connection";
import type { MessageDraft, RoomSettingsRecord } from "./store";

let postgres: PostgresServer;
let redis: RedisServer;
let commands: Redis;
const dirs: string[] = [];
let prefixes = 0;
let databases = 0;

beforeAll(async () => {
  const [a, b] = [mkdtempSync(join(tmpdir(), "livechat-migrate-pg-")), mkdtempSync(join(tmpdir(), "livechat-migrate-redis-"))];
  dirs.push(a, b);
  [postgres, redis] = await Promise.all([startPostgresServer({ dir: a, fsync: false }), startRedisServer({ dir: b })]);
  commands = await connectRedis(redis.url);
}, 60_000);
afterAll(async () => {
  commands?.disconnect();
  await Promise.all([postgres?.stop(), redis?.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const draft = (content: string, author: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({
  username: author.slice(author.indexOf(":") + 1),
  guest: author.startsWith("guest:"),
  content,
  sentAt: "2026-11-20T10:00:00.000Z",
  author,
  ...extra,
});

const SETTINGS: RoomSettingsRecord = { topic: "Migrations", visibility: "public", readOnly: false, slowModeS: 5, moderators: ["lee"], pinned: [2] };

/** The command as `npx livechat migrate` runs it; answers its exit code and what it printed. */
async function migrateCommand(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  const error = vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  try {
    const code = await runMigrate(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe("livechat migrate --from redis://… --to postgres://…", () => {
  it("moves accounts, rooms, messages with their changes, people's lists and the session secret, for the PostgreSQL store to read", async () => {
    const prefix = `migrate-${++prefixes}:`;
    const source = new RedisStore({ redis: commands, subscriber: commands, prefix, ownsConnections: false });
    // Accounts, one logged out twice, and their name claims.
    await source.createUser({ username: "Kim", passwordHash: "$2b$10$kimshash", createdAt: "2026-11-01T08:00:00.000Z" });
    await source.createUser({ username: "lee", passwordHash: "$2b$10$leeshash", createdAt: "2026-11-02T08:00:00.000Z" });
    await source.bumpSessionVersion("kim");
    await source.bumpSessionVersion("kim");
    await source.claimUsername("kim", "Kim");
    await source.claimUsername("1ee", "lee");
    // A room with history: a reply, an edit, a tombstone, reactions, a pin; and one with an owner only.
    await source.claimOwner("upgrade", "Kim");
    await source.append("upgrade", draft("hello from redis", "user:kim", { clientId: "c-1" }));
    await source.append("upgrade", draft("pinned news", "user:lee", { clientId: "c-2", replyTo: 1 }));
    await source.append("upgrade", draft("a secret", "guest:g1", { tag: "x7", clientId: "c-3" }));
    for (let i = 4; i <= 1203; i++) await source.append("upgrade", draft(`filler ${i}`, "user:lee"));
    await source.updateMessage("upgrade", 1, { kind: "edit", content: "hello from redis, edited", at: "2026-11-20T10:05:00.000Z", author: "user:kim" });
    await source.updateMessage("upgrade", 3, { kind: "delete", author: "guest:g1" });
    await source.updateMessage("upgrade", 2, { kind: "react", emoji: "👍", on: true, person: { key: "user:kim", username: "Kim" } });
    await source.updateMessage("upgrade", 2, { kind: "pin", on: true });
    await source.saveRoomSettings("upgrade", SETTINGS);
    await source.putRoomEntry("upgrade", "bans", { key: "address:10.0.0.7", username: "troll", by: "Kim", at: "2026-11-20T11:00:00.000Z", reason: "spam" });
    await source.putRoomEntry("upgrade", "mutes", { key: "user:max", username: "max", by: "Kim", at: "2026-11-20T11:01:00.000Z", until: "2026-12-01T00:00:00.000Z" });
    await source.appendAudit("upgrade", { at: "2026-11-20T11:00:00.000Z", by: "Kim", action: "ban", username: "troll", reason: "spam" });
    await source.appendAudit("upgrade", { at: "2026-11-20T11:01:00.000Z", by: "Kim", action: "mute", username: "max", durationS: 600 });
    await source.claimOwner("quiet", "lee");
    // Kim's sidebar, in the order she added the rooms, and read markers (one in a room no longer listed).
    await source.savePersonRoom("user:kim", "upgrade", "all");
    await source.savePersonRoom("user:kim", "quiet");
    await source.markRead("user:kim", "upgrade", 2);
    await source.markRead("user:kim", "gone", 7);
    await commands.set(`${prefix}session-secret`, "the-cluster-secret-that-is-long-enough-123");
    const before = await source.recent("upgrade", 1203);

    const target = await postgres.createDatabase(`migrate_${++databases}`);
    const run = await migrateCommand("--from", redis.url, "--to", target, "--prefix", prefix);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Migrated 2 accounts, 2 rooms, 1203 messages and 1 people's lists/);

    const store = await openPostgresStore({ url: target, poolSize: 2 });
    try {
      expect(await store.findUser("KIM")).toEqual({ username: "Kim", passwordHash: "$2b$10$kimshash", createdAt: "2026-11-01T08:00:00.000Z", sessionVersion: 2 });
      expect(await store.findUser("lee")).toMatchObject({ passwordHash: "$2b$10$leeshash", sessionVersion: 0 });
      expect(await store.usernameHolder("1ee")).toBe("lee");
      expect(await store.owner("upgrade")).toBe("Kim");
      expect(await store.owner("quiet")).toBe("lee");

      // Every message as clients saw it on Redis: ids, seqs, clientIds, edits, the tombstone, the reply, reactions, the pin.
      const after: Message[] = await store.recent("upgrade", 1203);
      expect(after).toEqual(before);
      expect(after.slice(0, 3)).toMatchObject([
        { seq: 1, clientId: "c-1", content: "hello from redis, edited", editedAt: "2026-11-20T10:05:00.000Z" },
        { seq: 2, replyTo: 1, reactions: [{ emoji: "👍", users: ["Kim"] }], pinned: true },
        { seq: 3, content: "", deleted: true, tag: "x7" },
      ]);
      // A page resending an old clientId gets the first message; the next message takes the next seq.
      expect(await store.append("upgrade", draft("resent", "user:kim", { clientId: "c-1" }))).toMatchObject({ created: false, message: { seq: 1 } });
      expect((await store.append("upgrade", draft("after the upgrade", "user:kim"))).message.seq).toBe(1204);
      // The keys came along: Kim's reaction is hers to take back, and only she may edit her message.
      expect(await store.updateMessage("upgrade", 2, { kind: "react", emoji: "👍", on: false, person: { key: "user:kim", username: "Kim" } })).not.toHaveProperty("reactions");
      await expect(store.updateMessage("upgrade", 1, { kind: "edit", content: "not yours", at: "2026-11-21T00:00:00.000Z", author: "user:lee" })).rejects.toMatchObject({ code: "forbidden" });
      expect((await store.searchRoom("upgrade", "edited", { limit: 5 })).map((m) => m.seq)).toEqual([1]);
      expect(await store.searchRoom("upgrade", "secret", { limit: 5 })).toEqual([]);

      expect(await store.roomSettings("upgrade")).toEqual(SETTINGS);
      expect(await store.roomEntries("upgrade", "bans")).toEqual([{ key: "address:10.0.0.7", username: "troll", by: "Kim", at: "2026-11-20T11:00:00.000Z", reason: "spam" }]);
      expect((await store.roomEntries("upgrade", "mutes")).map((e) => e.until)).toEqual(["2026-12-01T00:00:00.000Z"]);
      expect((await store.audit("upgrade", 10)).map((line) => line.action)).toEqual(["mute", "ban"]);
      expect(await store.personRooms("user:kim")).toEqual([
        { room: "upgrade", notify: "all", lastReadSeq: 2 },
        { room: "quiet", notify: "mentions", lastReadSeq: 0 },
      ]);
      expect(await store.readMarkers("user:kim", ["gone"])).toEqual(new Map([["gone", 7]]));
      expect(await store.sharedSetting("session-secret", "a-new-one")).toBe("the-cluster-secret-that-is-long-enough-123");
    } finally {
      await store.close();
    }

    // Run again: the target is no longer empty, so nothing is written twice.
    const again = await migrateCommand("--from", redis.url, "--to", target, "--prefix", prefix);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds Livechat data \(2 accounts, 2 rooms.*nothing was written/);
  });

  it("refuses with a sentence when Redis holds nothing under the prefix, and shows its usage for bad arguments", async () => {
    const target = await postgres.createDatabase(`migrate_${++databases}`);
    const empty = await migrateCommand("--from", redis.url, "--to", target, "--prefix", "nothing-here:");
    expect(empty).toMatchObject({ code: 1, err: expect.stringMatching(/Redis holds no Livechat data under this prefix/) });
    const bad = await migrateCommand("--from", target, "--to", redis.url);
    expect(bad).toMatchObject({ code: 2, err: expect.stringMatching(/^Usage: livechat migrate --from redis:/) });
  });
});
