// What the journal of earlier versions wrote (DATA_DIR/journal): one record per
// mutation in a journal file, and the same kinds (plus bulk ones) in a snapshot.
// Only the import (journal-import.ts) reads them now; applying them in order
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
 * whose messages take the seqs from `from` on.
 */
export type SnapshotRecord =
  | { t: "users"; users: UserRecord[] }
  | { t: "messages"; room: string; from: number; count: number }
  | { t: "owner"; room: string; username: string }
  | { t: "usernames"; claims: Array<{ skeleton: string; username: string }> }
  | { t: "end"; users: number; rooms: number; messages: number };

/** The records applied one by one (a snapshot's chunks of messages come as their own frames). */
export type StoreRecord = JournalRecord | Exclude<SnapshotRecord, { t: "messages" }>;
