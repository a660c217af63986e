// The store interface: the ETS-like tables every node reads and writes (users,
// username claims, messages per room, room owners). Implementations: memory.ts (the embedded
// default) and redis.ts (shared by several nodes). Names reaching a store are
// already normalised and validated.
import type { Message } from "../protocol";

export interface UserRecord {
  username: string;
  passwordHash: string;
  createdAt: string;
  /** Raised by every logout; a session cookie sealed under an older version is void. Absent means 0. */
  sessionVersion?: number;
}

export type MessageDraft = Omit<Message, "id" | "room" | "seq">;

export interface AppendResult {
  message: Message;
  /** False when a message with the same clientId was already in the room. */
  created: boolean;
}

export interface Store {
  /** Creates the user unless the name is held, compared case-insensitively. */
  createUser(user: UserRecord): Promise<boolean>;
  findUser(username: string): Promise<UserRecord | undefined>;
  /** Raises the user's session version by one and returns it; undefined for an unknown user. */
  bumpSessionVersion(username: string): Promise<number | undefined>;
  /**
   * Records `username` as the holder of a name's skeleton (its look-alike key, see
   * lib/names.ts) unless the skeleton is held; returns the holder. Atomic and durable,
   * so two look-alike registrations cannot both win.
   */
  claimUsername(skeleton: string, username: string): Promise<string>;
  /** Who holds the skeleton, if anyone. */
  usernameHolder(skeleton: string): Promise<string | undefined>;

  /** Stores the message with the room's next seq; idempotent on `clientId`. */
  append(room: string, draft: MessageDraft): Promise<AppendResult>;
  /** The newest `limit` messages, oldest first. */
  recent(room: string, limit: number): Promise<Message[]>;
  /** Up to `limit` messages with seq below `beforeSeq`, oldest first. */
  before(room: string, beforeSeq: number, limit: number): Promise<Message[]>;

  /** Records `username` as the room's owner unless it has one; returns the owner. */
  claimOwner(room: string, username: string): Promise<string>;
  owner(room: string): Promise<string | undefined>;

  /** Removes the room's history, clientIds and owner; a later append starts again at seq 1. */
  deleteRoom(room: string): Promise<void>;

  /**
   * Only for a store shared by several nodes: tells `listener` of every change the
   * other nodes make to rooms, in each room's seq order (this store's own changes are
   * not echoed: its caller has them). Returns a function that stops it.
   */
  watch?(listener: StoreListener): () => void;

  close(): Promise<void>;
}

/** Changes to rooms made by the other nodes sharing the store. */
export interface StoreListener {
  /** A message was stored; per room, these arrive in seq order. */
  appended(message: Message): void;
  /** A room was deleted. */
  deleted(room: string): void;
  /** Some changes may have been missed (the connection was lost and is back): read the store again. */
  resync(): void;
}
