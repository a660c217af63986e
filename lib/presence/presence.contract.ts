// The presence contract: one suite every implementation passes (memory.test.ts,
// redis.test.ts), as the store's contract does for stores. `createPresence` gives a
// fresh, empty node's presence each time; the suite looks at one node's view.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Identity } from "../protocol";
import type { RoomPresence } from "./presence";

export interface PresenceUnderTest {
  forRoom(room: string): RoomPresence;
  close(): Promise<void>;
}

export function describePresence(name: string, createPresence: () => PresenceUnderTest | Promise<PresenceUnderTest>): void {
  describe(`${name} (presence contract)`, () => {
    let node: PresenceUnderTest;
    let lobby: RoomPresence;

    beforeEach(async () => {
      node = await createPresence();
      lobby = node.forRoom("lobby");
    });
    afterEach(async () => {
      await node.close();
    });

    const gage: Identity = { username: "gage", guest: false };
    const kim: Identity = { username: "kim", guest: true };

    it("announces a person's first connection and lists them", async () => {
      expect(await lobby.join("c1", gage)).toEqual({ first: true, members: [gage] });
      expect(lobby.has("c1")).toBe(true);
      expect(lobby.isEmpty).toBe(false);
      expect(lobby.count).toBe(1);
    });

    it("lists a person with several tabs once and announces only the first", async () => {
      await lobby.join("c1", gage);
      expect(await lobby.join("c2", gage)).toEqual({ first: false, members: [gage] });
      expect(await lobby.join("c3", { username: "GAGE", guest: false })).toMatchObject({ first: false });
      expect(lobby.count).toBe(1);
    });

    it("takes a registered user and a guest of the same name for two people", async () => {
      await lobby.join("c1", gage);
      const { first, members } = await lobby.join("c2", { username: "gage", guest: true });
      expect(first).toBe(true);
      expect(members).toHaveLength(2);
    });

    it("lists members sorted by name", async () => {
      await lobby.join("c1", kim);
      const { members } = await lobby.join("c2", gage);
      expect(members).toEqual([gage, kim]);
    });

    it("says a person is gone only when their last tab leaves", async () => {
      await lobby.join("c1", gage);
      await lobby.join("c2", gage);
      await lobby.join("c3", kim);
      expect((await lobby.leave("c1")).gone).toBeUndefined();
      expect(lobby.has("c1")).toBe(false);
      expect(await lobby.leave("c2")).toEqual({ gone: gage, members: [kim] });
      expect(lobby.count).toBe(1);
    });

    it("ignores a leave of a connection that never joined", async () => {
      await lobby.join("c1", gage);
      expect((await lobby.leave("nobody")).gone).toBeUndefined();
      expect(lobby.has("c1")).toBe(true);
    });

    it("is empty again once everyone left", async () => {
      await lobby.join("c1", gage);
      await lobby.leave("c1");
      expect(lobby.isEmpty).toBe(true);
      expect(await lobby.join("c1", gage)).toEqual({ first: true, members: [gage] });
    });

    it("empties the room at once on clear, so the next join is a first one", async () => {
      await lobby.join("c1", gage);
      await lobby.join("c2", kim);
      await lobby.clear();
      expect(lobby.isEmpty).toBe(true);
      expect(lobby.has("c1")).toBe(false);
      expect(await lobby.join("c3", gage)).toEqual({ first: true, members: [gage] });
    });

    it("keeps each room's people to itself", async () => {
      await lobby.join("c1", gage);
      const kitchen = node.forRoom("kitchen");
      expect(kitchen.has("c1")).toBe(false);
      expect(await kitchen.join("c2", kim)).toEqual({ first: true, members: [kim] });
    });
  });
}
