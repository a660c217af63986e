// Merging the room lists of several nodes into the one GET /api/rooms answers.
import { describe, expect, it } from "vitest";
import { mergeRoomLists } from "./room-list";

const at = (minute: number) => new Date(Date.UTC(2026, 10, 30, 16, minute)).toISOString();

describe("mergeRoomLists", () => {
  it("lists a room live on two nodes once, with its newest seq, latest activity and highest count", () => {
    const merged = mergeRoomLists([
      [{ name: "lobby", members: 3, messages: 40, lastActivity: at(5) }],
      [{ name: "lobby", members: 2, messages: 41, lastActivity: at(4) }],
    ]);
    expect(merged).toEqual([{ name: "lobby", members: 3, messages: 41, lastActivity: at(5) }]);
  });

  it("puts the busiest rooms first, then the most recently active", () => {
    const merged = mergeRoomLists([
      [{ name: "quiet", members: 1, messages: 1, lastActivity: at(9) }],
      [
        { name: "busy", members: 5, messages: 1, lastActivity: at(1) },
        { name: "recent", members: 1, messages: 1, lastActivity: at(10) },
      ],
    ]);
    expect(merged.map((room) => room.name)).toEqual(["busy", "recent", "quiet"]);
  });

  it("leaves out what another node sent that is not a room summary", () => {
    const merged = mergeRoomLists([
      [{ name: "lobby", members: 1, messages: 0, lastActivity: null }],
      "not a list",
      [{ name: "__proto__" }, null, { name: "x", members: "2", messages: 0, lastActivity: null }],
    ]);
    expect(merged).toEqual([{ name: "lobby", members: 1, messages: 0, lastActivity: null }]);
  });
});
