// The journaled embedded store: it passes the Store contract, and what it
// acknowledged survives a restart, a torn last record and compaction.
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RecordingLogger } from "../testing/fakes";
import { encodeFrame } from "./frames";
import { openJournaledStore, type JournaledStore, type JournaledStoreOptions } from "./journaled";
import type { MessageDraft, UserRecord } from "./store";
import { describeStore } from "./store.contract";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "livechat-journal-"));
  dirs.push(dir);
  return dir;
}

const recordingLogger = () => new RecordingLogger();

function open(dir: string, options: Partial<JournaledStoreOptions> = {}): Promise<JournaledStore> {
  return openJournaledStore({ dir, logger: recordingLogger(), ...options });
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

/** Everything a client could read back, for comparing a store before and after a reopen. */
async function contents(store: JournaledStore, rooms: string[], users: string[]) {
  return {
    users: await Promise.all(users.map((name) => store.findUser(name))),
    rooms: await Promise.all(
      rooms.map(async (room) => ({ owner: await store.owner(room), messages: await store.recent(room, 1_000_000) })),
    ),
  };
}

async function journalFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith("journal-")).sort();
}

describeStore("JournaledStore", async () => open(await freshDir()));

describe("JournaledStore across a restart", () => {
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
    const before = await contents(first, ["lobby", "kitchen"], ["gage", "kim"]);
    // No close: the process dies with the journal as the last fsync left it.

    const second = await open(dir);
    expect(await contents(second, ["lobby", "kitchen"], ["gage", "kim"])).toEqual(before);
    expect((await second.findUser("GAGE"))?.sessionVersion).toBe(2);
    expect((await second.recent("kitchen", 10)).map((m) => [m.seq, m.content])).toEqual([[1, "after the deletion"]]);
    expect(await second.owner("kitchen")).toBeUndefined();
    expect(await second.createUser(user("gage"))).toBe(false);
    await second.close();
    await first.close();
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
});

describe("JournaledStore username claims", () => {
  it("keeps username claims across a reopen and a compaction", async () => {
    const dir = await freshDir();
    const first = await open(dir);
    await first.claimUsername("gage", "Gage");
    await first.close();
    const second = await open(dir);
    expect(await second.usernameHolder("gage")).toBe("Gage");
    await second.compact();
    await second.close();
    const third = await open(dir);
    expect(await third.claimUsername("gage", "gage")).toBe("Gage");
    await third.close();
  });

  // Guards old data: username claims were once owner records of rooms named "@name:<skeleton>".
  it("reads a journal's old owner records of \"@name:\" rooms as username claims", async () => {
    const dir = await freshDir();
    await writeFile(
      path.join(dir, "journal-0.log"),
      Buffer.concat([
        encodeFrame({ t: "owner", room: "@name:gage", username: "Gage" }),
        encodeFrame({ t: "owner", room: "lobby", username: "Gage" }),
      ]),
    );
    const store = await open(dir);
    expect(await store.usernameHolder("gage")).toBe("Gage");
    expect(await store.claimUsername("gage", "gage")).toBe("Gage");
    expect(await store.owner("lobby")).toBe("Gage");
    expect(await store.owner("@name:gage")).toBeUndefined();
    await store.close();
  });
});

describe("JournaledStore and other processes", () => {
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

describe("JournaledStore after a crash mid-write", () => {
  async function storeWithTwoMessages() {
    const dir = await freshDir();
    const store = await open(dir);
    await store.append("lobby", draft("one"));
    await store.append("lobby", draft("two"));
    await store.close();
    return { dir, file: path.join(dir, (await journalFiles(dir))[0]!) };
  }

  it("skips a torn last record with a warning, keeps every whole one and goes on appending", async () => {
    const { dir, file } = await storeWithTwoMessages();
    const torn = encodeFrame({ t: "message", message: { room: "lobby", seq: 3, content: "never acknowledged" } });
    await appendFile(file, torn.subarray(0, torn.length - 7));

    const logger = recordingLogger();
    const reopened = await open(dir, { logger });
    expect((await reopened.recent("lobby", 10)).map((m) => m.content)).toEqual(["one", "two"]);
    const warning = logger.lines.find((line) => line.level === "warn");
    expect(warning?.message).toMatch(/damaged record/);
    expect(warning?.fields.problem).toMatch(/cut short/);
    expect((await reopened.append("lobby", draft("three"))).message.seq).toBe(3);
    await reopened.close();

    const quiet = recordingLogger();
    const again = await open(dir, { logger: quiet });
    expect((await again.recent("lobby", 10)).map((m) => m.content)).toEqual(["one", "two", "three"]);
    expect(quiet.lines.filter((line) => line.level !== "info")).toEqual([]);
    await again.close();
  });

  it("skips a last record whose checksum does not match, keeping a copy of it", async () => {
    const { dir, file } = await storeWithTwoMessages();
    const bytes = await readFile(file);
    bytes[bytes.length - 3] ^= 0xff;
    await writeFile(file, bytes);

    const logger = recordingLogger();
    const reopened = await open(dir, { logger });
    expect((await reopened.recent("lobby", 10)).map((m) => m.content)).toEqual(["one"]);
    const warning = logger.lines.find((line) => line.level === "warn");
    expect(warning?.fields.problem).toMatch(/checksum/);
    expect((await stat(String(warning?.fields.copy))).size).toBe(bytes.length);
    await reopened.close();
  });

  it("starts with a journal that is only a few bytes of a header", async () => {
    const dir = await freshDir();
    await writeFile(path.join(dir, "journal-0.log"), Buffer.from([7, 0, 0]));
    const store = await open(dir);
    expect(await store.recent("lobby", 10)).toEqual([]);
    expect((await store.append("lobby", draft("first"))).message.seq).toBe(1);
    await store.close();
  });
});

describe("JournaledStore compaction", () => {
  it("keeps everything through automatic compactions, and start-up reads the snapshot", async () => {
    const dir = await freshDir();
    const store = await open(dir, { compactMinBytes: 16 * 1024 });
    await store.createUser(user("gage"));
    await store.bumpSessionVersion("gage");
    await store.claimOwner("lobby", "gage");
    const rooms = ["lobby", "kitchen", "attic"];
    // Appends go on while compactions run, and none may fall between snapshot and journal.
    await Promise.all(
      rooms.map(async (room) => {
        for (let i = 1; i <= 400; i++) await store.append(room, draft(`${room} ${i}`, `${room}-${i}`));
      }),
    );
    await store.deleteRoom("attic");
    await store.compact();
    await store.append("lobby", draft("after the last compaction"));
    const before = await contents(store, rooms, ["gage"]);
    expect(before.rooms[0]!.messages).toHaveLength(401);
    const files = await readdir(dir);
    expect(files.filter((name) => name.startsWith("snapshot-"))).toHaveLength(1);
    expect(files.filter((name) => name.startsWith("journal-"))).toHaveLength(1);
    await store.close();

    const reopened = await open(dir);
    expect(await contents(reopened, rooms, ["gage"])).toEqual(before);
    expect(reopened.storage.replay.snapshotRecords).toBeGreaterThan(0);
    expect(reopened.storage.replay.journalRecords).toBe(1);
    expect((await reopened.append("kitchen", draft("more", "kitchen-1"))).created).toBe(false);
    await reopened.close();
  });

  it("keeps rooms nobody used since start-up through the next compaction", async () => {
    const dir = await freshDir();
    const rooms = ["lobby", "kitchen", "attic"];
    const first = await open(dir);
    for (const room of rooms) for (let i = 1; i <= 30; i++) await first.append(room, draft(`${room} ${i}`, `${room}-${i}`));
    await first.compact();
    const before = await contents(first, rooms, []);
    await first.close();

    // Only the lobby is used after this start-up; the others stay as the snapshot had them.
    const second = await open(dir);
    await second.append("lobby", draft("one more"));
    await second.compact();
    await second.close();

    const third = await open(dir);
    const after = await contents(third, rooms, []);
    expect(after.rooms[0]!.messages.slice(0, 30)).toEqual(before.rooms[0]!.messages);
    expect(after.rooms[0]!.messages.at(-1)).toMatchObject({ seq: 31, content: "one more" });
    expect(after.rooms.slice(1)).toEqual(before.rooms.slice(1));
    expect((await third.append("attic", draft("again", "attic-7"))).created).toBe(false);
    expect(third.size).toEqual({ users: 0, rooms: 3, messages: 91 });
    await third.close();
  });

  it("recovers from a compaction cut off before its snapshot was finished", async () => {
    const dir = await freshDir();
    const store = await open(dir);
    for (let i = 1; i <= 10; i++) await store.append("lobby", draft(`m${i}`));
    await store.close();
    // What a crash leaves between opening the next journal and renaming its snapshot.
    await writeFile(path.join(dir, "journal-1.log"), encodeFrame({ t: "message", message: { id: "x", room: "lobby", seq: 11, username: "kim", guest: true, content: "in the new journal", sentAt: "2026-11-23T10:00:00.000Z" } }));
    await writeFile(path.join(dir, "snapshot-1.bin.tmp"), "half a snapshot");

    const reopened = await open(dir);
    expect((await reopened.recent("lobby", 100)).map((m) => m.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(await readdir(dir)).not.toContain("snapshot-1.bin.tmp");
    await reopened.close();
  });
});

describe("JournaledStore ordering", () => {
  function gatedSync() {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const syncs: number[] = [];
    return {
      open: () => open(),
      syncs,
      sync: async (handle: import("node:fs/promises").FileHandle) => {
        await gate;
        await handle.datasync();
        syncs.push(Date.now());
      },
    };
  }

  it("resolves an append only after the fsync that covers it", async () => {
    const gated = gatedSync();
    const store = await open(await freshDir(), { sync: gated.sync });
    let acknowledged = false;
    const sent = store.append("lobby", draft("hello")).then(() => (acknowledged = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(acknowledged).toBe(false);
    gated.open();
    await sent;
    expect(acknowledged).toBe(true);
    expect(gated.syncs).toHaveLength(1);
    await store.close();
  });

  it("lets no reader and no retry see a message before it is on disk", async () => {
    const gated = gatedSync();
    const store = await open(await freshDir(), { sync: gated.sync });
    const first = store.append("lobby", draft("hello", "c-1"));
    const answered: string[] = [];
    const read = store.recent("lobby", 10).then(() => answered.push("recent"));
    const retry = store.append("lobby", draft("hello", "c-1")).then(() => answered.push("retry"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toEqual([]);
    gated.open();
    await Promise.all([first, read, retry]);
    expect(answered.sort()).toEqual(["recent", "retry"]);
    await store.close();
  });

  it("acknowledges nothing after a failed fsync and says so once at error level", async () => {
    const logger = recordingLogger();
    let failing = false;
    const store = await open(await freshDir(), {
      logger,
      sync: async (handle) => {
        if (failing) throw new Error("EIO: i/o error, fdatasync");
        await handle.datasync();
      },
    });
    await store.append("lobby", draft("before"));
    failing = true;
    await expect(store.append("lobby", draft("during"))).rejects.toThrow(/could not be written/);
    await expect(store.append("lobby", draft("after"))).rejects.toThrow(/could not be written/);
    await expect(store.recent("lobby", 10)).rejects.toThrow(/restart the server/);
    expect(logger.at("error")).toHaveLength(1);
    await store.close();
  });

  it("commits many appends made at once with few fsyncs", async () => {
    const store = await open(await freshDir());
    await Promise.all(Array.from({ length: 500 }, (_, i) => store.append(`room-${i % 10}`, draft(`m${i}`))));
    expect(store.storage.flushes).toBeLessThanOrEqual(3);
    await store.close();
  });
});
