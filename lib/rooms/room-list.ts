// The list of public rooms GET /api/rooms answers, for one node or the whole
// cluster: each node lists its live public rooms, and the lists of every node are
// merged into one, a room live on several nodes once.
import type { RoomSummary } from "../protocol";

/** Busiest first, then the most recently active. */
export function sortRooms(rooms: RoomSummary[]): RoomSummary[] {
  return rooms.sort((a, b) => b.members - a.members || (b.lastActivity ?? "").localeCompare(a.lastActivity ?? ""));
}

/**
 * One list from every node's: a room live on several nodes appears once, with the
 * highest member count any node read (each read everyone in the room, on every node),
 * its newest seq and its latest activity. Entries that are not summaries are left out:
 * they come from other processes, perhaps of another version.
 */
export function mergeRoomLists(lists: readonly unknown[]): RoomSummary[] {
  const merged = new Map<string, RoomSummary>();
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const room of list.filter(isRoomSummary)) {
      const seen = merged.get(room.name);
      merged.set(
        room.name,
        seen
          ? {
              name: room.name,
              members: Math.max(seen.members, room.members),
              messages: Math.max(seen.messages, room.messages),
              lastActivity: latest(seen.lastActivity, room.lastActivity),
            }
          : { name: room.name, members: room.members, messages: room.messages, lastActivity: room.lastActivity },
      );
    }
  }
  return sortRooms([...merged.values()]);
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return a > b ? a : b;
}

function isRoomSummary(value: unknown): value is RoomSummary {
  if (typeof value !== "object" || value === null) return false;
  const room = value as Record<string, unknown>;
  return (
    typeof room.name === "string" &&
    typeof room.members === "number" &&
    typeof room.messages === "number" &&
    (room.lastActivity === null || typeof room.lastActivity === "string")
  );
}
