// The memory-only store: plain Maps, like ETS tables owned by the process. It
// keeps nothing across a restart: tests use it, and so does a server started with
// DATA_DIR empty (demos). User input only ever becomes a Map key, never a key of a
// plain object.
import { randomUUID } from "node:crypto";
import type { Message } from "../protocol";
import { bestFirst, matchesAll, searchTerms, withHighlight } from "./search-text";
import type { AppendResult, MessageDraft, RoomSearch, RoomsSearch, Store, UserRecord } from "./store";

interface RoomTable {
  messages: Message[];
  byClientId: Map<string, Message>;
  owner?: string;
}

export class MemoryStore implements Store {
  private readonly users = new Map<string, UserRecord>();
  private readonly usernames = new Map<string, string>();
  private readonly rooms = new Map<string, RoomTable>();

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
      if (existing) return { message: existing, created: false };
    }
    const message: Message = { id: randomUUID(), room, seq: table.messages.length + 1, ...draft };
    if (message.clientId === undefined) delete message.clientId;
    table.messages.push(message);
    if (message.clientId !== undefined) table.byClientId.set(message.clientId, message);
    return { message, created: true };
  }

  async recent(room: string, limit: number): Promise<Message[]> {
    const messages = this.rooms.get(room)?.messages ?? [];
    return messages.slice(Math.max(0, messages.length - limit));
  }

  async before(room: string, beforeSeq: number, limit: number): Promise<Message[]> {
    const messages = this.rooms.get(room)?.messages ?? [];
    // seq n sits at index n - 1: messages are never removed one by one.
    const end = Math.min(messages.length, Math.max(0, beforeSeq - 1));
    return messages.slice(Math.max(0, end - limit), end);
  }

  /** A scan of the room's history, newest first: the memory store holds tests' and demos' data. */
  async searchRoom(room: string, text: string, options: RoomSearch): Promise<Message[]> {
    const terms = searchTerms(text);
    const messages = this.rooms.get(room)?.messages ?? [];
    const found: Message[] = [];
    const end = Math.min(messages.length, options.before === undefined ? messages.length : Math.max(0, options.before - 1));
    for (let i = end - 1; i >= 0 && found.length < options.limit; i--) {
      if (matchesAll(messages[i]!.content, terms)) found.push(withHighlight(messages[i]!, terms));
    }
    return found;
  }

  /** A scan of every room's history, ranked as search-text.ts's bestFirst says. */
  async searchRooms(text: string, options: RoomsSearch): Promise<Message[]> {
    const terms = searchTerms(text);
    const matching: Message[] = [];
    for (const room of options.rooms ?? [...this.rooms.keys()]) {
      for (const message of this.rooms.get(room)?.messages ?? []) {
        if (matchesAll(message.content, terms)) matching.push(message);
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

  async deleteRoom(room: string): Promise<void> {
    this.rooms.delete(room);
  }

  async close(): Promise<void> {}

  private table(room: string): RoomTable {
    let table = this.rooms.get(room);
    if (!table) {
      table = { messages: [], byClientId: new Map() };
      this.rooms.set(room, table);
    }
    return table;
  }
}
