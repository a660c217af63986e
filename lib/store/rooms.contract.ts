// The Store contract for rooms with owners: settings, the keyed lists (bans, mutes,
// members of private rooms) and the audit log. Called from describeStore, so every
// backend passes it.
import { describe, expect, it } from "vitest";
import type { AuditEntry, RoomEntry, RoomSettingsRecord, Store } from "./store";
import { AUDIT_MAX } from "./store";

export function describeRoomRecords(store: () => Store): void {
  const settings = (change: Partial<RoomSettingsRecord> = {}): RoomSettingsRecord => ({
    topic: "Release planning",
    visibility: "public",
    readOnly: false,
    slowModeS: 0,
    moderators: [],
    pinned: [],
    ...change,
  });
  const entry = (key: string, change: Partial<RoomEntry> = {}): RoomEntry => ({
    key,
    username: key.split(":")[1] ?? key,
    by: "ada",
    at: "2026-11-30T10:00:00.000Z",
    ...change,
  });
  const audit = (action: string, username?: string): AuditEntry => ({
    at: "2026-11-30T10:00:00.000Z",
    by: "ada",
    action,
    ...(username !== undefined ? { username } : {}),
  });

  describe("room settings", () => {
    it("has no settings for a room nobody configured", async () => {
      expect(await store().roomSettings("lobby")).toBeUndefined();
    });

    it("gives back the settings last saved, for that room only", async () => {
      await store().saveRoomSettings("lobby", settings({ topic: "first" }));
      await store().saveRoomSettings("lobby", settings({ topic: "second", visibility: "private", readOnly: true, slowModeS: 30, moderators: ["kim"], pinned: [3] }));
      expect(await store().roomSettings("lobby")).toEqual(
        settings({ topic: "second", visibility: "private", readOnly: true, slowModeS: 30, moderators: ["kim"], pinned: [3] }),
      );
      expect(await store().roomSettings("other")).toBeUndefined();
    });

    it("hands out copies: changing an answer changes nothing stored", async () => {
      await store().saveRoomSettings("lobby", settings({ moderators: ["kim"] }));
      (await store().roomSettings("lobby"))!.moderators.push("mallory");
      expect((await store().roomSettings("lobby"))!.moderators).toEqual(["kim"]);
    });
  });

  describe("room lists", () => {
    it("keeps entries per room and per list, one per key, the newest winning", async () => {
      await store().putRoomEntry("lobby", "bans", entry("user:kim", { reason: "spam" }));
      await store().putRoomEntry("lobby", "bans", entry("user:kim", { reason: "spam again", until: "2026-12-01T00:00:00.000Z" }));
      await store().putRoomEntry("lobby", "bans", entry("address:10.0.0.7"));
      await store().putRoomEntry("lobby", "mutes", entry("user:lee"));
      await store().putRoomEntry("other", "bans", entry("user:max"));
      const bans = await store().roomEntries("lobby", "bans");
      expect(bans.map((ban) => ban.key).sort()).toEqual(["address:10.0.0.7", "user:kim"]);
      expect(bans.find((ban) => ban.key === "user:kim")).toEqual(entry("user:kim", { reason: "spam again", until: "2026-12-01T00:00:00.000Z" }));
      expect((await store().roomEntries("lobby", "mutes")).map((mute) => mute.key)).toEqual(["user:lee"]);
      expect(await store().roomEntries("lobby", "members")).toEqual([]);
    });

    it("removes an entry by key and says whether there was one", async () => {
      await store().putRoomEntry("lobby", "members", entry("user:kim"));
      expect(await store().removeRoomEntry("lobby", "members", "user:kim")).toBe(true);
      expect(await store().removeRoomEntry("lobby", "members", "user:kim")).toBe(false);
      expect(await store().removeRoomEntry("nowhere", "bans", "user:kim")).toBe(false);
      expect(await store().roomEntries("lobby", "members")).toEqual([]);
    });

    it("treats JavaScript property names as ordinary keys and rooms", async () => {
      for (const key of ["__proto__", "constructor", "toString"]) {
        await store().putRoomEntry(key, "bans", entry(key));
        expect((await store().roomEntries(key, "bans")).map((ban) => ban.key)).toEqual([key]);
      }
    });
  });

  describe("the audit log", () => {
    it("gives the newest entries first, as many as asked", async () => {
      for (const action of ["kick", "ban", "unban"]) await store().appendAudit("lobby", audit(action, "kim"));
      expect((await store().audit("lobby", 10)).map((line) => line.action)).toEqual(["unban", "ban", "kick"]);
      expect((await store().audit("lobby", 2)).map((line) => line.action)).toEqual(["unban", "ban"]);
      expect(await store().audit("other", 10)).toEqual([]);
    });

    it("keeps each entry as written", async () => {
      const line: AuditEntry = { at: "2026-11-30T10:00:00.000Z", by: "ada", action: "ban", username: "kim", reason: "spam", durationS: 600 };
      await store().appendAudit("lobby", line);
      expect(await store().audit("lobby", 1)).toEqual([line]);
    });

    it("keeps the newest AUDIT_MAX entries", async () => {
      for (let i = 0; i < AUDIT_MAX + 5; i++) await store().appendAudit("lobby", audit(`a${i}`));
      const lines = await store().audit("lobby", AUDIT_MAX + 5);
      expect(lines).toHaveLength(AUDIT_MAX);
      expect(lines[0]!.action).toBe(`a${AUDIT_MAX + 4}`);
      expect(lines.at(-1)!.action).toBe("a5");
    });
  });

  describe("deleting a room with settings", () => {
    it("removes its settings, lists and audit log with it", async () => {
      await store().saveRoomSettings("lobby", settings());
      await store().putRoomEntry("lobby", "bans", entry("user:kim"));
      await store().appendAudit("lobby", audit("ban", "kim"));
      await store().deleteRoom("lobby");
      expect(await store().roomSettings("lobby")).toBeUndefined();
      expect(await store().roomEntries("lobby", "bans")).toEqual([]);
      expect(await store().audit("lobby", 10)).toEqual([]);
    });
  });
}
