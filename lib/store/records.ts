// What the embedded store writes to disk: one record per mutation in the journal,
// and the same kinds (plus bulk ones) in a snapshot. Replaying them in order
// rebuilds the tables exactly.
import type { KeptMessage, UserRecord } from "./store";

/** A message as a snapshot keeps it: its room and seq follow from where it sits. */
export type SnapshotMessage = Omit<KeptMessage, "room" | "seq">;

/**
 * Before username claims had records of their own, they were owner records of a
 * room named with this prefix (no room name holds "@"); replay reads them as claims.
 */
export const LEGACY_USERNAME_OWNER_PREFIX = "@name:";

export type JournalRecord =
  | { t: "user"; user: UserRecord }
  | { t: "session"; username: string; version: number }
  | { t: "message"; message: KeptMessage }
  | { t: "owner"; room: string; username: string }
  | { t: "username"; skeleton: string; username: string }
  | { t: "deleteRoom"; room: string };

/**
 * A snapshot is a run of these. A "messages" record announces a chunk of a room's
 * history; the frame after it is the chunk itself, a JSON array of SnapshotMessage,
 * which start-up keeps unparsed until the room is first used.
 */
export type SnapshotRecord =
  | { t: "users"; users: UserRecord[] }
  | { t: "messages"; room: string; from: number; count: number }
  | { t: "owner"; room: string; username: string }
  | { t: "usernames"; claims: Array<{ skeleton: string; username: string }> }
  | { t: "end"; users: number; rooms: number; messages: number };

/** The records a store applies one by one (chunks of messages come through restoreChunk). */
export type StoreRecord = JournalRecord | Exclude<SnapshotRecord, { t: "messages" }>;

/** Part of a room's history as a snapshot holds it: `count` messages from seq `from`, as JSON bytes. */
export interface UnreadChunk {
  from: number;
  count: number;
  payload: Buffer;
}

/** Where a store's mutations go to become durable. */
export interface Durability {
  /** Resolves once the record is on disk (written and fsynced). */
  record(record: JournalRecord): Promise<void>;
  /** Resolves once every record handed over so far is on disk. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** The tables at one instant, for a snapshot written while writes go on. */
export interface StoreImage {
  users: UserRecord[];
  usernames: Array<{ skeleton: string; username: string }>;
  /** A room not used since start-up keeps its chunks unparsed, and the snapshot copies them as they are. */
  rooms: Array<{
    name: string;
    owner: string | undefined;
    messages: readonly KeptMessage[];
    count: number;
    unread: readonly UnreadChunk[] | undefined;
  }>;
}
