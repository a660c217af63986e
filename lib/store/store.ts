// The store interface: the ETS-like tables every node reads and writes (users,
// username claims, messages per room, room owners, a person's rooms and read markers).
// Implementations: sqlite.ts (the embedded default), memory.ts, postgres.ts and redis.ts
// (shared by several nodes). Names reaching a store are
// already normalised and validated.
import type { AuditLine, Message, NotifyLevel, Reaction, Visibility } from "../protocol";
import { wireReactions } from "./message-change";

export interface UserRecord {
  username: string;
  passwordHash: string;
  createdAt: string;
  /** Raised by every logout; a session cookie sealed under an older version is void. Absent means 0. */
  sessionVersion?: number;
}

/**
 * What a store is asked to keep: the message and its author's key (lib/people.ts), which
 * the store's rules read and which never leaves the store: every message it answers is
 * as clients see it.
 */
export type MessageDraft = Omit<Message, "id" | "room" | "seq" | "editedAt" | "deleted" | "reactions" | "reactionTags" | "pinned"> & { author?: string };

/** One emoji's reaction as a store keeps it: `keys[i]` (lib/people.ts, never answered) is the person shown as `users[i]`. */
export type KeptReaction = Reaction & { keys: string[] };

/** A message as a store keeps it: with its author's key, and who reacted by key. */
export type KeptMessage = Omit<Message, "reactions" | "reactionTags"> & { author?: string; reactions?: KeptReaction[] };

/** The kept message as the store answers it: the author's key and the reactors' keys left out. */
export function wireMessage(kept: KeptMessage): Message {
  if (kept.author === undefined && kept.reactions === undefined) return kept;
  const { author: _author, reactions, ...message } = kept;
  return reactions ? { ...message, ...wireReactions(reactions) } : message;
}

/**
 * One change to a stored message (message-change.ts applies it). `author` is the key
 * (lib/people.ts) the message must have been written under; a delete without one is a
 * keeper's, already allowed by the caller. A reaction is toggled for `person` (its key
 * counts it once; its name is shown); a pin is decided by the caller.
 */
export type MessageChange =
  | { kind: "edit"; content: string; at: string; author: string }
  | { kind: "delete"; author?: string }
  | { kind: "react"; emoji: string; on: boolean; person: { key: string; username: string } }
  | { kind: "pin"; on: boolean };

export interface AppendResult {
  message: Message;
  /** False when a message with the same clientId was already in the room. */
  created: boolean;
}

export interface RoomSearch {
  /** Only messages with a seq below this one (the next page of results). */
  before?: number;
  limit: number;
}

export interface RoomsSearch {
  limit: number;
  /** Only these rooms; every room when omitted. The caller decides which rooms a person may read. */
  rooms?: readonly string[];
}

/** A room's settings as the store keeps them (its owner is kept by claimOwner). */
export interface RoomSettingsRecord {
  topic: string;
  visibility: Visibility;
  readOnly: boolean;
  slowModeS: number;
  moderators: string[];
  pinned: number[];
}

/** The keyed lists a room keeps about people: who is banned, who is muted, who belongs to a private room. */
export const ROOM_LISTS = ["bans", "mutes", "members"] as const;
export type RoomList = (typeof ROOM_LISTS)[number];

/** One person (or address) on one of a room's lists. */
export interface RoomEntry {
  /** What the entry matches: `user:<name>`, `guest:<session>` or `address:<ip>` (lib/rooms/roles.ts). */
  key: string;
  /** The name shown for it. */
  username: string;
  by: string;
  at: string;
  /** When it lapses (ISO time); absent: until removed. */
  until?: string;
  reason?: string;
}

/** One line of a room's audit log: who did what to whom (the wire's AuditLine). */
export type AuditEntry = AuditLine;

/** Audit entries a room keeps; older ones are dropped. */
export const AUDIT_MAX = 1000;

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

  /**
   * Messages of `room` matching `text`, newest first, each with `highlight`. What
   * matches is defined once for every store in search-text.ts: each word typed begins
   * a word of the message, without case or diacritics; `text` is never query syntax,
   * and text with no word in it matches nothing. Deleted messages (content "") never
   * match; an edited message matches its new content only.
   */
  searchRoom(room: string, text: string, options: RoomSearch): Promise<Message[]>;
  /** Messages of any room (or of `options.rooms`) matching `text`, best match first, each with `highlight`. */
  searchRooms(text: string, options: RoomsSearch): Promise<Message[]>;

  /**
   * Changes one stored message and answers it as changed, durable before it resolves;
   * `not_found` for no such message (or a deleted one, but for a delete: deleting twice
   * answers the tombstone), `forbidden` when `change.author` is not its author or a 21st
   * emoji is added. A delete keeps the id and seq and leaves no copy of the old text, in
   * the search index or anywhere else. A change that changes nothing (a toggle already in
   * place) writes nothing. Other nodes hear of each change (StoreListener.changed).
   */
  updateMessage(room: string, seq: number, change: MessageChange): Promise<Message>;

  /** Records `username` as the room's owner unless it has one; returns the owner. */
  claimOwner(room: string, username: string): Promise<string>;
  owner(room: string): Promise<string | undefined>;

  /**
   * A person's rooms (the sidebar's list; `person` is an account's key), in the order
   * they were added, each with the person's read marker in it.
   */
  personRooms(person: string): Promise<PersonRoom[]>;
  /** Whether the room is among the person's rooms: one lookup, however many the person has. */
  hasPersonRoom(person: string, room: string): Promise<boolean>;
  /** Adds the room to the person's rooms, or changes how they are notified; the place in the list stays. */
  savePersonRoom(person: string, room: string, notify?: NotifyLevel): Promise<void>;
  removePersonRoom(person: string, room: string): Promise<void>;
  /** Moves the person's read marker in the room forward to `seq`, never back; returns the marker kept. */
  markRead(person: string, room: string, seq: number): Promise<number>;
  /** The person's read markers in these rooms (0 where none). */
  readMarkers(person: string, rooms: string[]): Promise<Map<string, number>>;
  /** Rooms that have messages, the most recently active first (a deleted room is not one). */
  roomsByActivity(limit: number): Promise<RoomActivity[]>;

  /** The room's settings, undefined until first saved. */
  roomSettings(room: string): Promise<RoomSettingsRecord | undefined>;
  saveRoomSettings(room: string, settings: RoomSettingsRecord): Promise<void>;
  /** Adds the entry to the room's list, replacing one with the same key. */
  putRoomEntry(room: string, list: RoomList, entry: RoomEntry): Promise<void>;
  /** Removes the entry under `key`; false when there was none. */
  removeRoomEntry(room: string, list: RoomList, key: string): Promise<boolean>;
  /** Every entry of the room's list, lapsed ones too (the reader judges `until`). */
  roomEntries(room: string, list: RoomList): Promise<RoomEntry[]>;
  /** Appends to the room's audit log, which keeps the newest AUDIT_MAX entries. */
  appendAudit(room: string, entry: AuditEntry): Promise<void>;
  /** The newest `limit` audit entries, newest first. */
  audit(room: string, limit: number): Promise<AuditEntry[]>;

  /** Removes the room's history, clientIds, owner, settings, lists and audit log; a later append starts again at seq 1. */
  deleteRoom(room: string): Promise<void>;

  /**
   * Only for a store shared by several nodes: tells `listener` of every change the
   * other nodes make to rooms, in each room's seq order (this store's own changes are
   * not echoed: its caller has them). Returns a function that stops it.
   */
  watch?(listener: StoreListener): () => void;
  /**
   * Only beside watch, for a store that tells each node only of the rooms it follows (the
   * PostgreSQL store: a NOTIFY channel per room): the listeners hear of the room's changes
   * until unfollow. Resolves once every change committed from then on will be told, so a
   * room followed before it is read misses nothing; undefined when that is so already. A
   * store without it tells of every room.
   */
  follow?(room: string): Promise<void> | undefined;
  unfollow?(room: string): void;

  close(): Promise<void>;
}

/** One room in a person's list, with their read marker. */
export interface PersonRoom {
  room: string;
  notify: NotifyLevel;
  lastReadSeq: number;
}

/** A room with history, for the home page's list. */
export interface RoomActivity {
  room: string;
  /** Its newest message's seq. */
  seq: number;
  /** When its newest message was sent (ISO). */
  lastActivity: string;
}

/** Changes to rooms made by the other nodes sharing the store. */
export interface StoreListener {
  /** A message was stored; per room, these arrive in seq order. */
  appended(message: Message): void;
  /** A stored message was changed (updateMessage); per message, in the order they were made. */
  changed?(message: Message): void;
  /** A room was deleted. */
  deleted(room: string): void;
  /** A room's settings or lists changed: read them again. */
  configured?(room: string): void;
  /** Some changes may have been missed (the connection was lost and is back): read the store again. */
  resync(): void;
}
