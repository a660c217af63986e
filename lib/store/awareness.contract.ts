// The store contract's part for awareness (issue 12): a person's rooms, read markers
// that never move back, and rooms listed by their last activity. Called from
// store.contract.ts, so every backend runs it.
import { describe, expect, it } from "vitest";
import type { MessageDraft, Store } from "./store";

export function describeAwarenessStore(store: () => Store): void {
  const draft = (content: string, sentAt: string): MessageDraft => ({ username: "gage", guest: false, content, sentAt });

  describe("a person's rooms", () => {
    it("tells whether one room is among a person's rooms", async () => {
      await store().savePersonRoom("user:ada", "lobby");
      await store().savePersonRoom("user:bo", "kitchen");
      expect(await store().hasPersonRoom("user:ada", "lobby")).toBe(true);
      expect(await store().hasPersonRoom("user:ada", "kitchen")).toBe(false);
      expect(await store().hasPersonRoom("user:cy", "lobby")).toBe(false);
      await store().removePersonRoom("user:ada", "lobby");
      expect(await store().hasPersonRoom("user:ada", "lobby")).toBe(false);
    });

    it("lists a person's rooms in the order they were added, once each, mentions-only by default", async () => {
      await store().savePersonRoom("user:ada", "lobby");
      await store().savePersonRoom("user:ada", "kitchen", "all");
      await store().savePersonRoom("user:ada", "lobby");
      expect(await store().personRooms("user:ada")).toEqual([
        { room: "lobby", notify: "mentions", lastReadSeq: 0 },
        { room: "kitchen", notify: "all", lastReadSeq: 0 },
      ]);
      expect(await store().personRooms("user:bo")).toEqual([]);
    });

    it("changes how a listed room notifies without moving it", async () => {
      await store().savePersonRoom("user:ada", "lobby");
      await store().savePersonRoom("user:ada", "kitchen");
      await store().savePersonRoom("user:ada", "lobby", "all");
      expect((await store().personRooms("user:ada")).map((r) => [r.room, r.notify])).toEqual([
        ["lobby", "all"],
        ["kitchen", "mentions"],
      ]);
    });

    it("removes a room from the list and keeps the others", async () => {
      await store().savePersonRoom("user:ada", "lobby");
      await store().savePersonRoom("user:ada", "kitchen");
      await store().removePersonRoom("user:ada", "lobby");
      await store().removePersonRoom("user:ada", "attic");
      expect((await store().personRooms("user:ada")).map((r) => r.room)).toEqual(["kitchen"]);
    });

    it("keeps user input as plain names, even __proto__", async () => {
      await store().savePersonRoom("user:__proto__", "__proto__");
      expect(await store().markRead("user:__proto__", "__proto__", 3)).toBe(3);
      expect(await store().personRooms("user:__proto__")).toEqual([{ room: "__proto__", notify: "mentions", lastReadSeq: 3 }]);
    });
  });

  describe("read markers", () => {
    it("moves a read marker forward and never back", async () => {
      expect(await store().markRead("user:ada", "lobby", 5)).toBe(5);
      expect(await store().markRead("user:ada", "lobby", 3)).toBe(5);
      expect(await store().markRead("user:ada", "lobby", 9)).toBe(9);
      expect(await store().readMarkers("user:ada", ["lobby", "kitchen"])).toEqual(new Map([["lobby", 9], ["kitchen", 0]]));
    });

    it("keeps each person's markers apart, and shows them in the person's rooms", async () => {
      await store().savePersonRoom("user:ada", "lobby");
      await store().markRead("user:ada", "lobby", 4);
      await store().markRead("user:bo", "lobby", 2);
      expect(await store().personRooms("user:ada")).toEqual([{ room: "lobby", notify: "mentions", lastReadSeq: 4 }]);
      expect(await store().readMarkers("user:bo", ["lobby"])).toEqual(new Map([["lobby", 2]]));
    });
  });

  describe("rooms by activity", () => {
    it("lists rooms with messages, the most recently active first, up to the limit", async () => {
      await store().append("attic", draft("old", "2026-11-23T09:00:00.000Z"));
      await store().append("lobby", draft("a", "2026-11-23T10:00:00.000Z"));
      await store().append("kitchen", draft("b", "2026-11-23T11:00:00.000Z"));
      await store().append("lobby", draft("c", "2026-11-23T12:00:00.000Z"));
      expect(await store().roomsByActivity(2)).toEqual([
        { room: "lobby", seq: 2, lastActivity: "2026-11-23T12:00:00.000Z" },
        { room: "kitchen", seq: 1, lastActivity: "2026-11-23T11:00:00.000Z" },
      ]);
    });

    it("lists no deleted room and no room without messages", async () => {
      await store().append("lobby", draft("a", "2026-11-23T10:00:00.000Z"));
      await store().claimOwner("empty", "gage");
      await store().deleteRoom("lobby");
      expect(await store().roomsByActivity(10)).toEqual([]);
    });
  });
}
