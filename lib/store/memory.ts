// The embedded default store: plain Maps, like ETS tables owned by the process.
// Given a Durability (journaled.ts), every mutation is recorded and its promise
// resolves only once the record is on disk; reads first wait for writes already
// made, so nobody sees, and nobody is acknowledged with, what a crash could undo.
// User input only ever becomes a Map key, never a key of a plain object.
import { randomUUID } from "node:crypto";
import type { Message } from "../protocol";
import type { Durability, JournalRecord, SnapshotMessage, StoreImage, StoreRecord, UnreadChunk } from "./records";
import { applyChange, noSuchMessage } from "./message-change";
import { LEGACY_USERNAME_OWNER_PREFIX } from "./records";
import { wireMessage, type AppendResult, type AuditEntry, type KeptMessage, type MessageChange, type MessageDraft, type RoomEntry, type RoomList, type RoomSettingsRecord, type Store, type UserRecord } from "./store";
import { AUDIT_MAX } from "./store";

interface RoomTable {
  /** Kept with their authors' keys, which journal and snapshot records carry too. */
  messages: KeptMessage[];
  byClientId: Map<string, KeptMessage>;
  owner?: string;
  // Settings, lists and the audit log are memory only: the journal is being retired.
  settings?: RoomSettingsRecord;
  lists?: Map<RoomList, Map<string, RoomEntry>>;
  /** Newest last. */
  audit?: AuditEntry[];
  /** History replayed from a snapshot and not parsed yet: parsed on the room's first use. */
  unread?: UnreadChunk[];
}

export class MemoryStore implements Store {
  private readonly users = new Map<string, UserRecord>();
  /** Username claims: skeleton to the name that holds it. */
  private readonly usernames = new Map<string, string>();
  private readonly rooms = new Map<string, RoomTable>();
  private readonly durability: Durability | undefined;

  constructor(durability?: Durability) {
    this.durability = durability;
  }

  async createUser(user: UserRecord): Promise<boolean> {
    const key = user.username.toLowerCase();
    if (this.users.has(key)) {
      await this.settled();
      return false;
    }
    this.users.set(key, { ...user });
    await this.record({ t: "user", user });
    return true;
  }

  async findUser(username: string): Promise<UserRecord | undefined> {
    await this.settled();
    const user = this.users.get(username.toLowerCase());
    return user && { ...user };
  }

  async bumpSessionVersion(username: string): Promise<number | undefined> {
    const user = this.users.get(username.toLowerCase());
    if (!user) {
      await this.settled();
      return undefined;
    }
    const version = (user.sessionVersion ?? 0) + 1;
    user.sessionVersion = version;
    await this.record({ t: "session", username: user.username, version });
    return version;
  }

  async claimUsername(skeleton: string, username: string): Promise<string> {
    const holder = this.usernames.get(skeleton);
    if (holder !== undefined) {
      await this.settled();
      return holder;
    }
    this.usernames.set(skeleton, username);
    await this.record({ t: "username", skeleton, username });
    return username;
  }

  async usernameHolder(skeleton: string): Promise<string | undefined> {
    await this.settled();
    return this.usernames.get(skeleton);
  }

  async append(room: string, draft: MessageDraft): Promise<AppendResult> {
    const table = this.table(room);
    if (draft.clientId !== undefined) {
      const existing = table.byClientId.get(draft.clientId);
      if (existing) {
        // The first append of this clientId may still be on its way to disk.
        await this.settled();
        return { message: wireMessage(existing), created: false };
      }
    }
    const message: KeptMessage = { id: randomUUID(), room, seq: table.messages.length + 1, ...draft };
    if (message.clientId === undefined) delete message.clientId;
    if (message.author === undefined) delete message.author;
    this.push(table, message);
    await this.record({ t: "message", message });
    return { message: wireMessage(message), created: true };
  }

  async recent(room: string, limit: number): Promise<Message[]> {
    await this.settled();
    const messages = this.loaded(room)?.messages ?? [];
    return messages.slice(Math.max(0, messages.length - limit)).map(wireMessage);
  }

  async before(room: string, beforeSeq: number, limit: number): Promise<Message[]> {
    await this.settled();
    const messages = this.loaded(room)?.messages ?? [];
    // seq n sits at index n - 1: messages are never removed one by one.
    const end = Math.min(messages.length, Math.max(0, beforeSeq - 1));
    return messages.slice(Math.max(0, end - limit), end).map(wireMessage);
  }

  // Memory only, like settings: the journal is being retired (the SQLite store keeps changes durable).
  async updateMessage(room: string, seq: number, change: MessageChange): Promise<Message> {
    // A change waits for writes already made, as a read does: never acknowledged ahead of its message.
    await this.settled();
    const table = this.loaded(room);
    const kept = Number.isSafeInteger(seq) && seq >= 1 ? table?.messages[seq - 1] : undefined;
    if (!table || !kept) throw noSuchMessage(room, seq);
    const changed = applyChange(kept, change);
    table.messages[seq - 1] = changed;
    if (changed.clientId !== undefined) table.byClientId.set(changed.clientId, changed);
    return wireMessage(changed);
  }

  async claimOwner(room: string, username: string): Promise<string> {
    const table = this.table(room);
    if (table.owner !== undefined) {
      await this.settled();
      return table.owner;
    }
    table.owner = username;
    await this.record({ t: "owner", room, username });
    return username;
  }

  async owner(room: string): Promise<string | undefined> {
    await this.settled();
    return this.rooms.get(room)?.owner;
  }

  async roomSettings(room: string): Promise<RoomSettingsRecord | undefined> {
    await this.settled();
    const settings = this.rooms.get(room)?.settings;
    return settings && structuredClone(settings);
  }

  async saveRoomSettings(room: string, settings: RoomSettingsRecord): Promise<void> {
    this.unparsedTable(room).settings = structuredClone(settings);
  }

  async putRoomEntry(room: string, list: RoomList, entry: RoomEntry): Promise<void> {
    this.list(room, list).set(entry.key, { ...entry });
  }

  async removeRoomEntry(room: string, list: RoomList, key: string): Promise<boolean> {
    return this.rooms.get(room)?.lists?.get(list)?.delete(key) ?? false;
  }

  async roomEntries(room: string, list: RoomList): Promise<RoomEntry[]> {
    await this.settled();
    return [...(this.rooms.get(room)?.lists?.get(list)?.values() ?? [])].map((entry) => ({ ...entry }));
  }

  async appendAudit(room: string, entry: AuditEntry): Promise<void> {
    const table = this.unparsedTable(room);
    const audit = (table.audit ??= []);
    audit.push({ ...entry });
    if (audit.length > AUDIT_MAX) audit.splice(0, audit.length - AUDIT_MAX);
  }

  async audit(room: string, limit: number): Promise<AuditEntry[]> {
    await this.settled();
    const audit = this.rooms.get(room)?.audit ?? [];
    return audit
      .slice(Math.max(0, audit.length - limit))
      .reverse()
      .map((entry) => ({ ...entry }));
  }

  async deleteRoom(room: string): Promise<void> {
    this.rooms.delete(room);
    await this.record({ t: "deleteRoom", room });
  }

  async close(): Promise<void> {
    await this.durability?.close();
  }

  /** Applies one journal or snapshot record during replay; nothing is recorded again. */
  restore(record: StoreRecord): void {
    switch (record.t) {
      case "user":
        this.users.set(record.user.username.toLowerCase(), { ...record.user });
        return;
      case "users":
        for (const user of record.users) this.users.set(user.username.toLowerCase(), user);
        return;
      case "session": {
        const user = this.users.get(record.username.toLowerCase());
        if (user) user.sessionVersion = record.version;
        return;
      }
      case "message": {
        const table = this.table(record.message.room);
        this.expectSeq(table, record.message.room, record.message.seq);
        this.push(table, record.message);
        return;
      }
      case "owner":
        if (record.room.startsWith(LEGACY_USERNAME_OWNER_PREFIX)) {
          this.usernames.set(record.room.slice(LEGACY_USERNAME_OWNER_PREFIX.length), record.username);
        } else {
          this.unparsedTable(record.room).owner = record.username;
        }
        return;
      case "username":
        this.usernames.set(record.skeleton, record.username);
        return;
      case "usernames":
        for (const { skeleton, username } of record.claims) this.usernames.set(skeleton, username);
        return;
      case "deleteRoom":
        this.rooms.delete(record.room);
        return;
      case "end":
        return;
      default: {
        const unknown: never = record;
        throw new Error(`Unknown store record ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Keeps a snapshot's chunk of a room's history, unparsed until the room is used. */
  restoreChunk(room: string, chunk: UnreadChunk): void {
    const table = this.unparsedTable(room);
    const held = table.messages.length + unreadCount(table);
    if (chunk.from !== held + 1) {
      throw new Error(`The snapshot is out of order: room "${room}" holds ${held} messages and the next chunk starts at seq ${chunk.from}.`);
    }
    (table.unread ??= []).push(chunk);
  }

  /** The tables as they are now, cheaply: message arrays only grow, so a count pins them. */
  capture(): StoreImage {
    return {
      users: [...this.users.values()].map((user) => ({ ...user })),
      usernames: [...this.usernames].map(([skeleton, username]) => ({ skeleton, username })),
      rooms: [...this.rooms].map(([name, table]) => ({
        name,
        owner: table.owner,
        messages: table.messages,
        count: table.messages.length,
        unread: table.unread,
      })),
    };
  }

  /** Counts for logs and figures. */
  get size(): { users: number; rooms: number; messages: number } {
    let messages = 0;
    for (const table of this.rooms.values()) messages += table.messages.length + unreadCount(table);
    return { users: this.users.size, rooms: this.rooms.size, messages };
  }

  private list(room: string, list: RoomList): Map<string, RoomEntry> {
    const lists = (this.unparsedTable(room).lists ??= new Map());
    let entries = lists.get(list);
    if (!entries) {
      entries = new Map();
      lists.set(list, entries);
    }
    return entries;
  }

  private push(table: RoomTable, message: KeptMessage): void {
    table.messages.push(message);
    if (message.clientId !== undefined) table.byClientId.set(message.clientId, message);
  }

  private expectSeq(table: RoomTable, room: string, seq: number): void {
    if (seq !== table.messages.length + 1) {
      throw new Error(`The journal is out of order: room "${room}" holds ${table.messages.length} messages and the next record has seq ${seq}.`);
    }
  }

  private record(record: JournalRecord): Promise<void> {
    return this.durability ? this.durability.record(record) : Promise.resolve();
  }

  private settled(): Promise<void> {
    return this.durability ? this.durability.settled() : Promise.resolve();
  }

  /** The room's table with its history parsed, creating an empty one if need be. */
  private table(room: string): RoomTable {
    const table = this.unparsedTable(room);
    if (table.unread) this.parse(room, table);
    return table;
  }

  private loaded(room: string): RoomTable | undefined {
    const table = this.rooms.get(room);
    if (table?.unread) this.parse(room, table);
    return table;
  }

  private unparsedTable(room: string): RoomTable {
    let table = this.rooms.get(room);
    if (!table) {
      table = { messages: [], byClientId: new Map() };
      this.rooms.set(room, table);
    }
    return table;
  }

  private parse(room: string, table: RoomTable): void {
    const chunks = table.unread ?? [];
    table.unread = undefined;
    for (const chunk of chunks) {
      let seq = chunk.from;
      // The parsed objects are fresh and ours: completing them in place spares a copy per message.
      for (const stored of JSON.parse(chunk.payload.toString("utf8")) as SnapshotMessage[]) {
        const message = stored as KeptMessage;
        message.room = room;
        message.seq = seq++;
        this.push(table, message);
      }
    }
  }
}

function unreadCount(table: RoomTable): number {
  let count = 0;
  for (const chunk of table.unread ?? []) count += chunk.count;
  return count;
}
