// Upgrades keep data: a DATA_DIR written by the journal of the previous version
// (fixtures/, written by that code) is imported into SQLite once, its files kept
// aside; damage in the middle stops start-up with a sentence unless the operator
// asks for what is readable. Guards issue 16's finding: a flipped bit mid-journal
// used to keep only the records before it, with one warn line.
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { RecordingLogger } from "../testing/fakes";
import { openSqliteStore } from "./sqlite";

const FIXTURES = path.join(import.meta.dirname, "fixtures");

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A DATA_DIR as the previous version left it: its journal directory holds the fixture's files. */
async function oldDataDir(fixture: string): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "livechat-import-"));
  dirs.push(dataDir);
  await cp(path.join(FIXTURES, fixture), path.join(dataDir, "journal"), { recursive: true });
  return dataDir;
}

async function keptAside(dataDir: string): Promise<string[]> {
  return (await readdir(dataDir)).filter((name) => name.startsWith("journal.imported-"));
}

describe("importing the journal of the previous version", () => {
  it("brings every account, session version, owner, message and deletion into SQLite and says how many", async () => {
    const dataDir = await oldDataDir("journal-with-snapshot");
    const logger = new RecordingLogger();
    const store = await openSqliteStore({ dir: dataDir, logger });

    expect((await store.findUser("gage"))?.sessionVersion).toBe(2);
    expect((await store.findUser("KIM"))?.username).toBe("kim");
    expect((await store.findUser("lee"))?.sessionVersion).toBeUndefined();
    expect(await store.owner("lobby")).toBe("Gage");
    expect(await store.owner("kitchen")).toBeUndefined();
    const lobby = await store.recent("lobby", 100);
    expect(lobby.map((m) => [m.seq, m.content])).toEqual([
      [1, "lobby 1"],
      [2, "lobby 2"],
      [3, "lobby 3"],
      [4, "lobby 4"],
      [5, "lobby 5"],
      [6, "café ☕ 日本語のメッセージ"],
      [7, "lobby 7"],
      [8, "lobby 8"],
    ]);
    expect(lobby[5]).toMatchObject({ username: "anon", guest: true });
    expect(lobby[5]).not.toHaveProperty("clientId");
    expect((await store.recent("kitchen", 10)).map((m) => [m.seq, m.content, m.username])).toEqual([[1, "after the deletion", "lee"]]);

    // The clientId rule and the seq carry on from the imported history.
    const again = await store.append("lobby", { username: "Gage", guest: false, content: "retry", sentAt: lobby[0]!.sentAt, clientId: "c3" });
    expect(again).toEqual({ message: lobby[2], created: false });
    expect((await store.append("lobby", { username: "Gage", guest: false, content: "next", sentAt: lobby[0]!.sentAt })).message.seq).toBe(9);

    const line = logger.at("info").find((entry) => entry.message.startsWith("imported the journal"));
    expect(line?.fields).toMatchObject({ users: 3, rooms: 2, messages: 9 });
    await store.close();
  });

  it("keeps the old files aside, unchanged, and imports only once", async () => {
    const dataDir = await oldDataDir("journal-with-snapshot");
    const first = await openSqliteStore({ dir: dataDir, logger: new RecordingLogger() });
    await first.close();
    const [aside] = await keptAside(dataDir);
    expect(aside).toBeDefined();
    for (const name of ["snapshot-1.bin", "journal-1.log"]) {
      expect(await readFile(path.join(dataDir, aside!, name))).toEqual(await readFile(path.join(FIXTURES, "journal-with-snapshot", name)));
    }

    // As if the start that imported it had died before renaming the directory.
    await rename(path.join(dataDir, aside!), path.join(dataDir, "journal"));
    const logger = new RecordingLogger();
    const second = await openSqliteStore({ dir: dataDir, logger });
    expect((await second.recent("lobby", 100)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(logger.lines.map((entry) => entry.message)).toContain("the journal was imported before; its files are now kept aside");
    await second.close();
  });

  it("skips a torn last record, as a crash mid-write leaves it, with a warning", async () => {
    const dataDir = await oldDataDir("journal-only");
    const file = path.join(dataDir, "journal", "journal-0.log");
    // The first bytes of a record whose header announces more than follows.
    await appendFile(file, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 123, 34]));
    const logger = new RecordingLogger();
    const store = await openSqliteStore({ dir: dataDir, logger });
    expect(await store.recent("lobby", 1000)).toHaveLength(100);
    expect(await store.findUser("late")).toBeDefined();
    expect(logger.at("warn").map((entry) => entry.message)).toContain(
      "the journal ended in a torn record, as a crash mid-write leaves it; the import kept every whole record before it",
    );
    await store.close();
  });

  describe("with a flipped bit in the middle of the journal", () => {
    async function damagedDataDir(): Promise<string> {
      const dataDir = await oldDataDir("journal-only");
      const file = path.join(dataDir, "journal", "journal-0.log");
      const bytes = await readFile(file);
      bytes[Math.floor(bytes.length * 0.3)] ^= 0x04;
      await writeFile(file, bytes);
      return dataDir;
    }

    it("refuses to start, saying what is damaged and how to recover, and leaves DATA_DIR as it was", async () => {
      const dataDir = await damagedDataDir();
      const start = openSqliteStore({ dir: dataDir, logger: new RecordingLogger() });
      await expect(start).rejects.toThrow(/journal-0\.log is damaged \(a checksum mismatch at byte \d+/);
      await expect(start).rejects.toThrow(/Restore DATA_DIR from a backup.*RECOVER_READABLE=true/);
      expect(await readdir(path.join(dataDir, "journal"))).toContain("journal-0.log");
      expect(await keptAside(dataDir)).toEqual([]);
    });

    it("imports the records before the damage when the operator asks for what is readable", async () => {
      const dataDir = await damagedDataDir();
      const logger = new RecordingLogger();
      const store = await openSqliteStore({ dir: dataDir, logger, recoverReadable: true });
      const kept = await store.recent("lobby", 1000);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(100);
      expect(kept.map((m) => m.seq)).toEqual(kept.map((_, i) => i + 1));
      expect(await store.findUser("late")).toBeUndefined();
      expect(logger.at("error")[0]?.message).toMatch(/RECOVER_READABLE: importing what is readable/);
      expect(await keptAside(dataDir)).toHaveLength(1);
      await store.close();
    });
  });
});

describe("importing username claims", () => {
  /** A journal frame as the journal wrote it: [u32 length][u32 CRC-32][JSON], little-endian. */
  function frame(record: unknown): Buffer {
    const json = Buffer.from(JSON.stringify(record), "utf8");
    const header = Buffer.alloc(8);
    header.writeUInt32LE(json.length, 0);
    header.writeUInt32LE(crc32(json), 4);
    return Buffer.concat([header, json]);
  }

  it("keeps every claim, from its own records and from the owner records that held claims before them", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "livechat-import-claims-"));
    dirs.push(dataDir);
    await mkdir(path.join(dataDir, "journal"));
    const records = [
      { t: "user", user: { username: "Gage", passwordHash: "$2b$04$x", createdAt: "2026-11-23T10:00:00.000Z" } },
      { t: "owner", room: "@name:gage", username: "Gage" },
      { t: "username", skeleton: "kim", username: "kim" },
      { t: "owner", room: "lobby", username: "Gage" },
    ];
    await writeFile(path.join(dataDir, "journal", "journal-0.log"), Buffer.concat(records.map(frame)));
    const store = await openSqliteStore({ dir: dataDir, logger: new RecordingLogger() });
    expect(await store.usernameHolder("gage")).toBe("Gage");
    expect(await store.usernameHolder("kim")).toBe("kim");
    expect(await store.claimUsername("gage", "GAGE")).toBe("Gage");
    expect(await store.owner("lobby")).toBe("Gage");
    expect(await store.owner("@name:gage")).toBeUndefined();
    await store.close();
  });
});
