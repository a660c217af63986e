// The SQLite store: it passes the Store contract (with its writer on a worker thread
// and on this thread), and what it acknowledged survives a reopen.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { RecordingLogger } from "../testing/fakes";
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from "./sqlite";
import type { MessageDraft, UserRecord } from "./store";
import { describeStore } from "./store.contract";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "livechat-sqlite-"));
  dirs.push(dir);
  return dir;
}

function open(dir: string, options: Partial<SqliteStoreOptions> = {}): Promise<SqliteStore> {
  return openSqliteStore({ dir, logger: new RecordingLogger(), ...options });
}

const user = (username: string): UserRecord => ({
  username,
  passwordHash: "$2b$04$abcdefghijklmnopqrstuuv3Lk4p5UeJm9qg6W0Qq1B1wz1y0r2W",
  createdAt: "2026-11-23T10:00:00.000Z",
});

const draft = (content: string, clientId?: string): MessageDraft => ({
  username: "gage",
  guest: false,
  content,
  sentAt: "2026-11-23T10:00:00.000Z",
  ...(clientId ? { clientId } : {}),
});

describeStore("SqliteStore", async () => open(await freshDir()));
describeStore("SqliteStore writing on the event loop's thread", async () => open(await freshDir(), { writerThread: "inline" }));

describe("SqliteStore across a restart", () => {
  it("gives back every user, session version, owner, message and deletion after a reopen", async () => {
    const dir = await freshDir();
    const first = await open(dir);
    await first.createUser(user("Gage"));
    await first.createUser(user("kim"));
    await first.bumpSessionVersion("gage");
    await first.bumpSessionVersion("gage");
    await first.claimOwner("lobby", "Gage");
    for (let i = 1; i <= 5; i++) await first.append("lobby", draft(`lobby ${i}`, `c${i}`));
    await first.append("kitchen", draft("gone soon"));
    await first.claimOwner("kitchen", "kim");
    await first.deleteRoom("kitchen");
    await first.append("kitchen", draft("after the deletion"));
    const lobby = await first.recent("lobby", 100);
    await first.close();

    const second = await open(dir);
    expect(await second.recent("lobby", 100)).toEqual(lobby);
    expect(await second.owner("lobby")).toBe("Gage");
    expect((await second.findUser("GAGE"))?.sessionVersion).toBe(2);
    expect((await second.findUser("kim"))?.sessionVersion).toBeUndefined();
    expect((await second.recent("kitchen", 10)).map((m) => [m.seq, m.content])).toEqual([[1, "after the deletion"]]);
    expect(await second.owner("kitchen")).toBeUndefined();
    expect(await second.createUser(user("gage"))).toBe(false);
    await second.close();
  });

  it("keeps clientIds idempotent and seq continuing after a reopen", async () => {
    const dir = await freshDir();
    const first = await open(dir);
    const sent = await first.append("lobby", draft("hello", "c-1"));
    await first.append("lobby", draft("two"));
    await first.close();

    const second = await open(dir);
    const again = await second.append("lobby", draft("hello", "c-1"));
    expect(again).toEqual({ message: sent.message, created: false });
    expect((await second.append("lobby", draft("three"))).message.seq).toBe(3);
    await second.close();
  });

  it("begins a message's commit as soon as the task that sent it is done, not after the rest of the turn", async () => {
    const order: string[] = [];
    const store = await open(await freshDir(), {
      beforeCommit: async () => {
        order.push("commit begun");
      },
    });
    // Work already waiting in this turn when the message comes (other pages' handshakes and joins in a storm).
    setImmediate(() => order.push("the turn's other work"));
    const sent = store.append("lobby", draft("hello"));
    expect((await sent).message.seq).toBe(1);
    expect(order).toEqual(["commit begun", "the turn's other work"]);
    await store.close();
  });

  it("commits the appends of one tick together", async () => {
    const store = await open(await freshDir());
    const before = store.writer.commits;
    await Promise.all(Array.from({ length: 500 }, (_, i) => store.append(`room-${i % 10}`, draft(`m${i}`))));
    expect(store.writer.commits - before).toBeLessThanOrEqual(3);
    expect((await store.recent("room-3", 100)).map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await store.close();
  });

  it("begins commits a few ms apart while appends keep coming, so each carries several", async () => {
    const store = await open(await freshDir());
    const before = store.writer.commits;
    const began = performance.now();
    const appends: Promise<unknown>[] = [];
    // One append a millisecond or so, each in a task of its own, as messages from many sockets arrive.
    for (let i = 0; i < 60; i++) {
      appends.push(store.append("lobby", draft(`m${i}`)));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(appends);
    const elapsed = performance.now() - began;
    const commits = store.writer.commits - before;
    // Spaced 10 ms apart, begin to begin; 3 ms allows for a timer's clock read at the start of a turn.
    expect(commits).toBeLessThanOrEqual(Math.ceil(elapsed / 3) + 2);
    expect(commits).toBeLessThan(60);
    expect((await store.recent("lobby", 100)).map((m) => m.content)).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`));
    await store.close();
  });
});

describe("SqliteStore's schema upgrades", () => {
  it("lists the rooms of a database written before awareness by their newest message once upgraded", async () => {
    const dir = await freshDir();
    const first = await open(dir);
    await first.append("old", { ...draft("a"), sentAt: "2026-11-23T09:00:00.000Z" });
    await first.append("new", { ...draft("b"), sentAt: "2026-11-23T10:00:00.000Z" });
    await first.append("old", { ...draft("c"), sentAt: "2026-11-23T11:00:00.000Z" });
    await first.close();
    // Back to the first schema, as a database of an earlier version holds it.
    const file = new Database(path.join(dir, "livechat.db"));
    file.exec(`DROP TRIGGER messages_cjk_insert; DROP TRIGGER messages_cjk_delete; DROP TRIGGER messages_cjk_update;
      DROP TABLE messages_cjk;
      DROP TRIGGER rooms_activity; DROP INDEX rooms_by_activity;
      ALTER TABLE rooms DROP COLUMN last_seq; ALTER TABLE rooms DROP COLUMN last_at;
      DROP TABLE person_rooms; DROP TABLE read_markers;
      ALTER TABLE messages DROP COLUMN edited_at; ALTER TABLE messages DROP COLUMN deleted;
      ALTER TABLE messages DROP COLUMN reply_to; ALTER TABLE messages DROP COLUMN reactions;
      ALTER TABLE messages DROP COLUMN pinned; ALTER TABLE messages DROP COLUMN version;
      PRAGMA user_version = 1;`);
    file.close();

    const upgraded = await open(dir);
    expect(await upgraded.roomsByActivity(10)).toEqual([
      { room: "old", seq: 2, lastActivity: "2026-11-23T11:00:00.000Z" },
      { room: "new", seq: 1, lastActivity: "2026-11-23T10:00:00.000Z" },
    ]);
    expect(await upgraded.markRead("user:ada", "old", 2)).toBe(2);
    await upgraded.close();
  });
});

describe("SqliteStore and other processes", () => {
  it("refuses a DATA_DIR another running process holds", async () => {
    const dir = await freshDir();
    await writeFile(path.join(dir, "LOCK"), `${process.ppid}\n`);
    await expect(open(dir)).rejects.toThrow(`in use by process ${process.ppid}: two servers cannot share one DATA_DIR`);
  });

  it("takes over the lock of a process that is gone, as after kill -9", async () => {
    const dir = await freshDir();
    // Above Linux's largest pid (2^22), so no process has it.
    await writeFile(path.join(dir, "LOCK"), "4194305\n");
    const store = await open(dir);
    expect(await readFile(path.join(dir, "LOCK"), "utf8")).toBe(`${process.pid}\n`);
    await store.close();
    expect(await readdir(dir)).not.toContain("LOCK");
  });
});

describe("SqliteStore's integrity check at start-up", () => {
  const PAGE = 4096;

  /** A store of a few hundred messages, closed, with one page in the middle of the file overwritten. */
  async function damagedStore(): Promise<string> {
    const dir = await freshDir();
    const store = await open(dir);
    await Promise.all(Array.from({ length: 400 }, (_, i) => store.append(`room-${i % 4}`, draft(`message ${i} with some words in it`))));
    await store.close();
    const file = path.join(dir, "livechat.db");
    const bytes = await readFile(file);
    const middle = Math.floor(bytes.length / PAGE / 2) * PAGE;
    bytes.fill(0xa5, middle, middle + PAGE);
    await writeFile(file, bytes);
    return dir;
  }

  it("refuses to open a damaged database, saying what is damaged and how to recover", async () => {
    const dir = await damagedStore();
    const start = open(dir);
    await expect(start).rejects.toThrow(/The SQLite store .*livechat\.db is damaged \(/);
    await expect(start).rejects.toThrow(/restore the file from a backup \(see docs\/operations\.md\), or start with RECOVER_READABLE=true/);
    // The refused start left the directory to the next one.
    expect(await readdir(dir)).not.toContain("LOCK");
  });

  it("opens a damaged database when the operator asks for what is readable, and says so at error level", async () => {
    const dir = await damagedStore();
    const logger = new RecordingLogger();
    const store = await open(dir, { logger, recoverReadable: true });
    expect(logger.at("error")[0]?.message).toMatch(/RECOVER_READABLE: starting on a damaged SQLite store/);
    await store.close();
  });

  it("refuses a file that is not a database at all", async () => {
    const dir = await freshDir();
    await writeFile(path.join(dir, "livechat.db"), "these bytes were never a SQLite database, whatever the name says".repeat(100));
    await expect(open(dir)).rejects.toThrow(/livechat\.db is damaged \(file is not a database\)/);
  });

  it("reports damage found by a check that finishes after start-up, with the same sentence", async () => {
    const dir = await damagedStore();
    const logger = new RecordingLogger();
    // Not waiting for the check at all, as for a file too large to check before start-up.
    const store = await open(dir, { logger, integrityBudgetMs: 0 });
    const damage = await store.damaged;
    expect(damage.message).toMatch(/The SQLite store .*livechat\.db is damaged \(/);
    expect(damage.message).toMatch(/restore the file from a backup \(see docs\/operations\.md\), or start with RECOVER_READABLE=true/);
    expect(logger.at("error")[0]?.message).toBe(damage.message);
    await store.close();
    // The next start checks the whole file before it opens, whatever it is told: a restart loop never serves it again.
    await expect(open(dir, { integrityBudgetMs: 0 })).rejects.toThrow(/livechat\.db is damaged \(/);
  });

  it("lets a check that outlasts its budget finish after start-up", async () => {
    const dir = await freshDir();
    const first = await open(dir);
    await first.append("lobby", draft("hello"));
    await first.close();
    const logger = new RecordingLogger();
    const store = await open(dir, { logger, integrityBudgetMs: 0 });
    expect(logger.at("info").map((line) => line.message)).toContain("the integrity check of the SQLite store goes on in the background");
    expect((await store.recent("lobby", 10)).map((m) => m.content)).toEqual(["hello"]);
    await store.close();
  });
});

describe("SqliteStore's search index follows content", () => {
  // Edits and deletions arrive with the conversation issue; they change `content`,
  // and the index's triggers follow whatever changes it. Here a second connection
  // changes rows the way those operations will.
  it("re-indexes an edited message and never finds a deleted one", async () => {
    const dir = await freshDir();
    const store = await open(dir);
    await store.append("lobby", draft("the first draft"));
    await store.append("lobby", draft("a message to delete"));
    const other = new Database(path.join(dir, "livechat.db"));
    other.prepare("UPDATE messages SET content = 'the final version' WHERE seq = 1").run();
    other.prepare("UPDATE messages SET content = '' WHERE seq = 2").run();
    other.close();

    expect(await store.searchRoom("lobby", "draft", { limit: 10 })).toEqual([]);
    expect((await store.searchRoom("lobby", "final", { limit: 10 })).map((m) => m.content)).toEqual(["the final version"]);
    expect(await store.searchRoom("lobby", "delete", { limit: 10 })).toEqual([]);
    expect(await store.searchRooms("delete", { limit: 10 })).toEqual([]);
    await store.close();
  });
});

describe("SqliteStore's changed messages", () => {
  /** Everything SQLite holds of the store on disk now: the database file and its write-ahead log. */
  async function bytesOnDisk(dir: string): Promise<Buffer> {
    const files = (await readdir(dir)).filter((file) => file === "livechat.db" || file === "livechat.db-wal");
    return Buffer.concat(await Promise.all(files.map((file) => readFile(path.join(dir, file)))));
  }

  it("leaves no copy of a deleted message's text in the database file or its WAL, nor in the search index", async () => {
    const dir = await freshDir();
    const store = await open(dir);
    for (let i = 1; i <= 30; i++) await store.append("lobby", draft(`filler message ${i}`));
    const secret = "meet me by the xylophonequartz at noon";
    const { message } = await store.append("lobby", { ...draft(secret), author: "user:gage" });
    await store.append("lobby", draft("after it"));
    // The text is on disk (in the WAL or the file) before the delete: the check below can see it.
    expect((await bytesOnDisk(dir)).includes(Buffer.from("xylophonequartz"))).toBe(true);

    await store.updateMessage("lobby", message.seq, { kind: "delete", author: "user:gage" });
    const disk = await bytesOnDisk(dir);
    expect(disk.includes(Buffer.from("xylophonequartz"))).toBe(false);
    expect(disk.includes(Buffer.from(secret))).toBe(false);
    expect(await store.searchRoom("lobby", "xylophonequartz", { limit: 10 })).toEqual([]);
    expect((await store.recent("lobby", 2))[0]).toMatchObject({ seq: message.seq, content: "", deleted: true });
    await store.close();
  });

  it("gives back edits, tombstones, replies, reactions and pins after a reopen", async () => {
    const dir = await freshDir();
    const first = await open(dir);
    await first.append("lobby", { ...draft("helo"), author: "user:gage" });
    await first.append("lobby", { ...draft("a reply", "c2"), author: "user:kim", replyTo: 1 });
    await first.append("lobby", { ...draft("gone"), author: "user:kim" });
    await first.updateMessage("lobby", 1, { kind: "edit", content: "hello", at: "2026-11-23T10:05:00.000Z", author: "user:gage" });
    await first.updateMessage("lobby", 1, { kind: "react", emoji: "👍", on: true, person: { key: "user:kim", username: "kim" } });
    await first.updateMessage("lobby", 2, { kind: "pin", on: true });
    await first.updateMessage("lobby", 3, { kind: "delete" });
    const before = await first.recent("lobby", 10);
    await first.close();

    const again = await open(dir);
    expect(await again.recent("lobby", 10)).toEqual(before);
    expect(before).toMatchObject([
      { seq: 1, content: "hello", editedAt: "2026-11-23T10:05:00.000Z", reactions: [{ emoji: "👍", users: ["kim"] }] },
      { seq: 2, replyTo: 1, pinned: true, clientId: "c2" },
      { seq: 3, content: "", deleted: true },
    ]);
    // The reactor's key is kept, so taking the reaction back after the restart works.
    expect((await again.updateMessage("lobby", 1, { kind: "react", emoji: "👍", on: false, person: { key: "user:kim", username: "kim" } })).reactions).toBeUndefined();
    await again.close();
  });
});
