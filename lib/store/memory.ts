// The memory-only store: plain Maps, like ETS tables owned by the process. It
// keeps nothing across a restart: tests use it, and so does a server started with
// DATA_DIR empty (demos). User input only ever becomes a Map key, never a key of a
// plain object.
import { randomUUID } from "node:crypto";
import type { Message, NotifyLevel } from "../protocol";
import { applyChange, noSuchMessage } from "./message-change";
import { bestFirst, matchesAll, searchTerms, withHighlight } from "./search-text";
import { AUDIT_MAX, wireMessage } from "./store";
import type {
  AppendResult,
  KeptMessage,
  AuditEntry,
  MessageChange,
  MessageDraft,
  PersonRoom,
  RoomActivity,
  RoomEntry,
  RoomList,
  RoomSearch,
  RoomsSearch,
  RoomSettingsRecord,
  Store,
  UserRecord,
} from "./store";

interface RoomTable {
  messages: KeptMessage[];
  byClientId: Map<string, KeptMessage>;
  owner?: string;
  settings?: RoomSettingsRecord;
  lists?: Map<RoomList, Map<string, RoomEntry>>;
  /** Newest last. */
  audit?: AuditEntry[];
}

export class MemoryStore implements Store {
  private readonly users = new Map<string, UserRecord>();
  private readonly usernames = new Map<string, string>();
  private readonly rooms = new Map<string, RoomTable>();
  /** Per person: their rooms (insertion order is the list's order) and their read markers. */
  private readonly people = new Map<string, { rooms: Map<string, NotifyLevel>; read: Map<string, number> }>();

  async createUser(user: UserRecord): Promise<boolean> {
    const key = user.username.toLowerCase();
    if (this.users.has(key)) return false;
    this.users.set(key, { ...user });
    return true;
  }

  async findUser(username: string): Promise<UserRecord | undefined> {
    const user = this.users.get(username.toLowerCase());
    return user && { ...user };
  }

  async bumpSessionVersion(username: string): Promise<number | undefined> {
    const user = this.users.get(username.toLowerCase());
    if (!user) return undefined;
    user.sessionVersion = (user.sessionVersion ?? 0) + 1;
    return user.sessionVersion;
  }

  async claimUsername(skeleton: string, username: string): Promise<string> {
    const holder = this.usernames.get(skeleton);
    if (holder !== undefined) return holder;
    this.usernames.set(skeleton, username);
    return username;
  }

  async usernameHolder(skeleton: string): Promise<string | undefined> {
    return this.usernames.get(skeleton);
  }

  async append(room: string, draft: MessageDraft): Promise<AppendResult> {
    const table = this.table(room);
    if (draft.clientId !== undefined) {
      const existing = table.byClientId.get(draft.clientId);
      if (existing) return { message: wireMessage(existing), created: false };
    }
    const message: KeptMessage = { id: randomUUID(), room, seq: table.messages.length + 1, ...draft };
    if (message.clientId === undefined) delete message.clientId;
    if (message.author === undefined) delete message.author;
    table.messages.push(message);
    if (message.clientId !== undefined) table.byClientId.set(message.clientId, message);
    return { message: wireMessage(message), created: true };
  }

  async recent(room: string, limit: number): Promise<Message[]> {
    const messages = this.rooms.get(room)?.messages ?? [];
    return messages.slice(Math.max(0, messages.length - limit)).map(wireMessage);
  }

  async before(room: string, beforeSeq: number, limit: number): Promise<Message[]> {
    const messages = this.rooms.get(room)?.messages ?? [];
    // seq n sits at index n - 1: messages are never removed one by one.
    const end = Math.min(messages.length, Math.max(0, beforeSeq - 1));
    return messages.slice(Math.max(0, end - limit), end).map(wireMessage);
  }

  async updateMessage(room: string, seq: number, change: MessageChange): Promise<Message> {
    const table = this.rooms.get(room);
    const kept = Number.isSafeInteger(seq) && seq >= 1 ? table?.messages[seq - 1] : undefined;
    if (!table || !kept) throw noSuchMessage(room, seq);
    const changed = applyChange(kept, change);
    table.messages[seq - 1] = changed;
    if (changed.clientId !== undefined) table.byClientId.set(changed.clientId, changed);
    return wireMessage(changed);
  }

  /** A scan of the room's history, newest first: the memory store holds tests' and demos' data. */
  async searchRoom(room: string, text: string, options: RoomSearch): Promise<Message[]> {
    const terms = searchTerms(text);
    const messages = this.rooms.get(room)?.messages ?? [];
    const found: Message[] = [];
    const end = Math.min(messages.length, options.before === undefined ? messages.length : Math.max(0, options.before - 1));
    for (let i = end - 1; i >= 0 && found.length < options.limit; i--) {
      if (matchesAll(messages[i]!.content, terms)) found.push(withHighlight(wireMessage(messages[i]!), terms));
    }
    return found;
  }

  /** A scan of every room's history, ranked as search-text.ts's bestFirst says. */
  async searchRooms(text: string, options: RoomsSearch): Promise<Message[]> {
    const terms = searchTerms(text);
    const matching: Message[] = [];
    for (const room of options.rooms ?? [...this.rooms.keys()]) {
      for (const message of this.rooms.get(room)?.messages ?? []) {
        if (matchesAll(message.content, terms)) matching.push(wireMessage(message));
      }
    }
    return bestFirst(matching, terms, options.limit);
  }

  async claimOwner(room: string, username: string): Promise<string> {
    const table = this.table(room);
    table.owner ??= username;
    return table.owner;
  }

  async owner(room: string): Promise<string | undefined> {
    return this.rooms.get(room)?.owner;
  }

  async personRooms(person: string): Promise<PersonRoom[]> {
    const entry = this.people.get(person);
    if (!entry) return [];
    return [...entry.rooms].map(([room, notify]) => ({ room, notify, lastReadSeq: entry.read.get(room) ?? 0 }));
  }

  async hasPersonRoom(person: string, room: string): Promise<boolean> {
    return this.people.get(person)?.rooms.has(room) ?? false;
  }

  async savePersonRoom(person: string, room: string, notify?: NotifyLevel): Promise<void> {
    const { rooms } = this.person(person);
    rooms.set(room, notify ?? rooms.get(room) ?? "mentions");
  }

  async removePersonRoom(person: string, room: string): Promise<void> {
    this.people.get(person)?.rooms.delete(room);
  }

  async markRead(person: string, room: string, seq: number): Promise<number> {
    const { read } = this.person(person);
    const kept = Math.max(read.get(room) ?? 0, seq);
    read.set(room, kept);
    return kept;
  }

  async readMarkers(person: string, rooms: string[]): Promise<Map<string, number>> {
    const read = this.people.get(person)?.read;
    return new Map(rooms.map((room) => [room, read?.get(room) ?? 0]));
  }

  async roomsByActivity(limit: number): Promise<RoomActivity[]> {
    const active: RoomActivity[] = [];
    for (const [name, table] of this.rooms) {
      const newest = table.messages.at(-1);
      if (newest) active.push({ room: name, seq: newest.seq, lastActivity: newest.sentAt });
    }
    return active.sort((a, b) => b.lastActivity.localeCompare(a.lastActivity)).slice(0, limit);
  }

  async roomSettings(room: string): Promise<RoomSettingsRecord | undefined> {
    const settings = this.rooms.get(room)?.settings;
    return settings && structuredClone(settings);
  }

  async saveRoomSettings(room: string, settings: RoomSettingsRecord): Promise<void> {
    this.table(room).settings = structuredClone(settings);
  }

  async putRoomEntry(room: string, list: RoomList, entry: RoomEntry): Promise<void> {
    this.list(room, list).set(entry.key, { ...entry });
  }

  async removeRoomEntry(room: string, list: RoomList, key: string): Promise<boolean> {
    return this.rooms.get(room)?.lists?.get(list)?.delete(key) ?? false;
  }

  async roomEntries(room: string, list: RoomList): Promise<RoomEntry[]> {
    return [...(this.rooms.get(room)?.lists?.get(list)?.values() ?? [])].map((entry) => ({ ...entry }));
  }

  async appendAudit(room: string, entry: AuditEntry): Promise<void> {
    const audit = (this.table(room).audit ??= []);
    audit.push({ ...entry });
    if (audit.length > AUDIT_MAX) audit.splice(0, audit.length - AUDIT_MAX);
  }

  async audit(room: string, limit: number): Promise<AuditEntry[]> {
    const audit = this.rooms.get(room)?.audit ?? [];
    return audit
      .slice(Math.max(0, audit.length - limit))
      .reverse()
      .map((entry) => ({ ...entry }));
  }

  async deleteRoom(room: string): Promise<void> {
    this.rooms.delete(room);
  }

  async close(): Promise<void> {}

  private person(person: string) {
    let entry = this.people.get(person);
    if (!entry) {
      entry = { rooms: new Map(), read: new Map() };
      this.people.set(person, entry);
    }
    return entry;
  }

  private list(room: string, list: RoomList): Map<string, RoomEntry> {
    const lists = (this.table(room).lists ??= new Map());
    let entries = lists.get(list);
    if (!entries) {
      entries = new Map();
      lists.set(list, entries);
    }
    return entries;
  }

  private table(room: string): RoomTable {
    let table = this.rooms.get(room);
    if (!table) {
      table = { messages: [], byClientId: new Map() };
      this.rooms.set(room, table);
    }
    return table;
  }
}
