// What the embedded store writes to disk: one record per mutation in the journal,
// and the same kinds (plus bulk ones) in a snapshot. Replaying them in order
// rebuilds the tables exactly.
import type { Message } from "../protocol";
import type { UserRecord } from "./store";

/** A message as a snapshot keeps it: its room and seq follow from where it sits. */
export type StoredMessage = Omit<Message, "room" | "seq">;

export type JournalRecord =
  | { t: "user"; user: UserRecord }
  | { t: "session"; username: string; version: number }
  | { t: "message"; message: Message }
  | { t: "owner"; room: string; username: string }
  | { t: "deleteRoom"; room: string };

export type SnapshotRecord =
  | { t: "users"; users: UserRecord[] }
  | { t: "messages"; room: string; from: number; messages: StoredMessage[] }
  | { t: "owner"; room: string; username: string }
  | { t: "end"; users: number; rooms: number; messages: number };

export type StoreRecord = JournalRecord | SnapshotRecord;

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
  rooms: Array<{ name: string; owner: string | undefined; messages: readonly Message[]; count: number }>;
}
