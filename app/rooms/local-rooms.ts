// A guest's rooms and read markers, kept in the browser (an account's are on the
// server). localStorage may be missing or full (private windows): then nothing is kept.
import type { NotifyLevel } from "@/lib/protocol";

const ROOMS_KEY = "livechat:rooms";
const READ_PREFIX = "livechat:read:";

export interface LocalRoom {
  room: string;
  notify: NotifyLevel;
}

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Storage full or refused: the list lives for this page only.
  }
}

export function localRooms(): LocalRoom[] {
  try {
    const parsed: unknown = JSON.parse(read(ROOMS_KEY) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((entry: unknown) => {
      if (typeof entry !== "object" || entry === null) return [];
      const { room, notify } = entry as { room?: unknown; notify?: unknown };
      return typeof room === "string" ? [{ room, notify: notify === "all" ? "all" : "mentions" } as LocalRoom] : [];
    });
  } catch {
    return [];
  }
}

export function saveLocalRooms(rooms: readonly LocalRoom[]): void {
  write(ROOMS_KEY, JSON.stringify(rooms));
}

export function localReadMarker(room: string): number {
  const value = Number(read(READ_PREFIX + room) ?? 0);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/** Moves the browser's marker forward only, as the server does an account's. */
export function saveLocalReadMarker(room: string, seq: number): void {
  if (seq > localReadMarker(room)) write(READ_PREFIX + room, String(seq));
}
