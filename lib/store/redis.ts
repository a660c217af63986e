// The Redis store, shared by every node: users, room owners and history live in
// Redis. A room's seq is its message list's length, assigned inside one Lua
// script together with the clientId check and a notice on the store's feed
// channel, so all nodes agree on one gapless order and hear of each message in
// that order. Each notice names the store that made the change, so a node skips
// its own (its worker has it already) before parsing it. Names are URI-encoded
// into keys, never trusted as key syntax.
//
// Retired as the store of a running node (STORE=redis stops with a sentence): Redis
// now carries only what flows. The store stays so that `livechat migrate` can read a
// STORE=redis cluster's data out (redis-to-postgres.ts), and its contract tests prove
// it reads what it wrote.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Message, NotifyLevel } from "../protocol";
import { ChatError } from "../errors";
import { applyChange, noSuchMessage } from "./message-change";
import { guarded, Script } from "./redis-connection";
import { bestFirst, matchesAll, searchTerms, withHighlight } from "./search-text";
import type {
  AppendResult,
  AuditEntry,
  KeptMessage,
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
  StoreListener,
  UserRecord,
} from "./store";
import { AUDIT_MAX, ROOM_LISTS, wireMessage } from "./store";

/** Messages read by one LRANGE while searching. */
const SEARCH_CHUNK = 1000;

/** KEYS: messages, clientIds, rooms by activity. ARGV: message JSON (no seq), clientId or "", feed channel, room, origin, sentAt ms. */
const APPEND = new Script(
  `local clientId = ARGV[2]
if clientId ~= '' then
  local known = redis.call('HGET', KEYS[2], clientId)
  if known then return {0, tonumber(known), redis.call('LINDEX', KEYS[1], tonumber(known) - 1)} end
end
local seq = redis.call('RPUSH', KEYS[1], ARGV[1])
if clientId ~= '' then redis.call('HSET', KEYS[2], clientId, seq) end
redis.call('ZADD', KEYS[3], tonumber(ARGV[6]), ARGV[4])
redis.call('PUBLISH', ARGV[3], 'm\\n' .. ARGV[5] .. '\\n' .. ARGV[4] .. '\\n' .. seq .. '\\n' .. ARGV[1])
return {1, seq, ARGV[1]}`,
  3,
);

/** KEYS: the person's rooms, their notify levels. ARGV: room, level or "". A new room goes last; a listed one keeps its place. */
const SAVE_PERSON_ROOM = new Script(
  `if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local last = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  redis.call('ZADD', KEYS[1], (tonumber(last[2]) or 0) + 1, ARGV[1])
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return 1`,
  2,
);

/** KEYS: the person's read markers. ARGV: room, seq. Keeps the larger marker and returns it. */
const MARK_READ = new Script(
  `local kept = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local seq = tonumber(ARGV[2])
if seq > kept then
  redis.call('HSET', KEYS[1], ARGV[1], seq)
  return seq
end
return kept`,
  1,
);

/**
 * Replaces one message if it is still as it was read (a compare-and-set), and tells the
 * feed. KEYS: messages. ARGV: index, JSON read, new JSON, feed channel, room, origin, seq.
 */
const REPLACE_MESSAGE = new Script(
  `if redis.call('LINDEX', KEYS[1], tonumber(ARGV[1])) ~= ARGV[2] then return 0 end
redis.call('LSET', KEYS[1], tonumber(ARGV[1]), ARGV[3])
redis.call('PUBLISH', ARGV[4], 'u\\n' .. ARGV[6] .. '\\n' .. ARGV[5] .. '\\n' .. ARGV[7] .. '\\n' .. ARGV[3])
return 1`,
  1,
);

/** A change loses a race with another node's at most this often before giving up. */
const REPLACE_ATTEMPTS = 20;

/** KEYS: user hash. ARGV: username, passwordHash, createdAt, sessionVersion or "". */
const CREATE_USER = new Script(
  `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'username', ARGV[1], 'passwordHash', ARGV[2], 'createdAt', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'sessionVersion', ARGV[4]) end
return 1`,
  1,
);

/** KEYS: user hash. */
const BUMP_SESSION_VERSION = new Script(
  `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('HINCRBY', KEYS[1], 'sessionVersion', 1)`,
  1,
);

/** The keys a room has in Redis. */
const ROOM_TABLES = ["messages", "clients", "owner", "settings", "audit", ...ROOM_LISTS] as const;
type RoomTable = (typeof ROOM_TABLES)[number];

/** KEYS: every key of the room (ROOM_TABLES), then the rooms by activity. ARGV: feed channel, room, origin. */
const DELETE_ROOM = new Script(
  `redis.call('ZREM', KEYS[#KEYS], ARGV[2])
redis.call('DEL', unpack(KEYS, 1, #KEYS - 1))
redis.call('PUBLISH', ARGV[1], 'd\\n' .. ARGV[3] .. '\\n' .. ARGV[2])
return 1`,
  ROOM_TABLES.length + 1,
);

export interface RedisStoreOptions {
  /** Commands. */
  redis: Redis;
  /** A second connection, for the feed (a subscribed connection runs no other command). */
  subscriber: Redis;
  /** Prepended to every key and channel, e.g. "livechat:". */
  prefix: string;
  /** Close both connections on close() (false when the caller owns them). */
  ownsConnections?: boolean;
}

/** A message as its room's list keeps it (with its author's key): its seq is its place in the list. */
type ListedMessage = Omit<KeptMessage, "seq">;

export class RedisStore implements Store {
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly prefix: string;
  private readonly feedChannel: string;
  private readonly ownsConnections: boolean;
  /** Names this store's notices on the feed. */
  private readonly origin = randomUUID();
  private readonly listeners = new Set<StoreListener>();
  private subscribed = false;
  private lostSinceSubscribed = false;

  constructor(options: RedisStoreOptions) {
    this.redis = options.redis;
    this.subscriber = options.subscriber;
    this.prefix = options.prefix;
    this.feedChannel = `${options.prefix}feed`;
    this.ownsConnections = options.ownsConnections ?? true;
  }

  async createUser(user: UserRecord): Promise<boolean> {
    const created = await guarded(() =>
      CREATE_USER.run(this.redis, [this.userKey(user.username)], [
        user.username,
        user.passwordHash,
        user.createdAt,
        user.sessionVersion === undefined ? "" : user.sessionVersion,
      ]),
    );
    return created === 1;
  }

  async findUser(username: string): Promise<UserRecord | undefined> {
    const fields = await guarded(() => this.redis.hgetall(this.userKey(username)));
    if (fields.username === undefined) return undefined;
    const user: UserRecord = { username: fields.username, passwordHash: fields.passwordHash!, createdAt: fields.createdAt! };
    if (fields.sessionVersion !== undefined) user.sessionVersion = Number(fields.sessionVersion);
    return user;
  }

  async bumpSessionVersion(username: string): Promise<number | undefined> {
    const version = await guarded(() => BUMP_SESSION_VERSION.run(this.redis, [this.userKey(username)], []));
    return typeof version === "number" ? version : undefined;
  }

  async claimUsername(skeleton: string, username: string): Promise<string> {
    const key = this.usernameKey(skeleton);
    const holder = await guarded(async () => {
      await this.redis.set(key, username, "NX");
      return this.redis.get(key);
    });
    return holder ?? username;
  }

  async usernameHolder(skeleton: string): Promise<string | undefined> {
    return (await guarded(() => this.redis.get(this.usernameKey(skeleton)))) ?? undefined;
  }

  async append(room: string, draft: MessageDraft): Promise<AppendResult> {
    const stored: ListedMessage = { id: randomUUID(), room, ...draft };
    if (stored.clientId === undefined) delete stored.clientId;
    if (stored.author === undefined) delete stored.author;
    const reply = (await guarded(() =>
      APPEND.run(this.redis, [this.roomKey(room, "messages"), this.roomKey(room, "clients"), this.activityKey], [
        JSON.stringify(stored),
        draft.clientId ?? "",
        this.feedChannel,
        room,
        this.origin,
        Date.parse(draft.sentAt),
      ]),
    )) as [number, number, string];
    const [created, seq, json] = reply;
    return { message: withSeq(json, seq), created: created === 1 };
  }

  async recent(room: string, limit: number): Promise<Message[]> {
    const key = this.roomKey(room, "messages");
    const [length, items] = await guarded(async () => {
      const results = await this.redis.multi().llen(key).lrange(key, -limit, -1).exec();
      return [results?.[0]?.[1] as number, results?.[1]?.[1] as string[]] as const;
    });
    const first = length - items.length + 1;
    return items.map((json, i) => withSeq(json, first + i));
  }

  async before(room: string, beforeSeq: number, limit: number): Promise<Message[]> {
    const key = this.roomKey(room, "messages");
    // seq n sits at index n - 1: messages are never removed one by one.
    const length = await guarded(() => this.redis.llen(key));
    const end = Math.min(length, Math.max(0, beforeSeq - 1));
    const start = Math.max(0, end - limit);
    if (end <= start) return [];
    const items = await guarded(() => this.redis.lrange(key, start, end - 1));
    return items.map((json, i) => withSeq(json, start + i + 1));
  }

  /** Read, apply the change (message-change.ts), write back only if no other node changed it meanwhile. */
  async updateMessage(room: string, seq: number, change: MessageChange): Promise<Message> {
    const key = this.roomKey(room, "messages");
    if (!Number.isSafeInteger(seq) || seq < 1) throw noSuchMessage(room, seq);
    for (let attempt = 0; attempt < REPLACE_ATTEMPTS; attempt++) {
      const json = await guarded(() => this.redis.lindex(key, seq - 1));
      if (json === null) throw noSuchMessage(room, seq);
      const kept: KeptMessage = { ...(JSON.parse(json) as ListedMessage), seq };
      const changed = applyChange(kept, change);
      if (changed === kept) return withSeq(json, seq);
      const { seq: _seq, ...listed } = changed;
      const next = JSON.stringify(listed);
      const replaced = await guarded(() =>
        REPLACE_MESSAGE.run(this.redis, [key], [seq - 1, json, next, this.feedChannel, room, this.origin, seq]),
      );
      if (replaced === 1) return withSeq(next, seq);
    }
    throw new ChatError("room_unavailable", `Message ${seq} of room "${room}" is changing too often; please try again.`);
  }

  /**
   * Redis holds no full-text index here (RediSearch is not a module we can count on),
   * so search reads the room's list from `before` downwards, SEARCH_CHUNK messages a
   * command, matching as search-text.ts says, until `limit` are found: cheap for a
   * recent word, a walk through the whole history for a rare one.
   */
  async searchRoom(room: string, text: string, options: RoomSearch): Promise<Message[]> {
    const terms = searchTerms(text);
    if (terms.length === 0) return [];
    const key = this.roomKey(room, "messages");
    const length = await guarded(() => this.redis.llen(key));
    let end = Math.min(length, options.before === undefined ? length : Math.max(0, options.before - 1));
    const found: Message[] = [];
    while (end > 0 && found.length < options.limit) {
      const start = Math.max(0, end - SEARCH_CHUNK);
      const items = await guarded(() => this.redis.lrange(key, start, end - 1));
      for (let i = items.length - 1; i >= 0 && found.length < options.limit; i--) {
        const message = withSeq(items[i]!, start + i + 1);
        if (matchesAll(message.content, terms)) found.push(withHighlight(message, terms));
      }
      end = start;
    }
    return found;
  }

  /** Every room's list (found with SCAN), read through as searchRoom does; ranked by words matched, then newest. */
  async searchRooms(text: string, options: RoomsSearch): Promise<Message[]> {
    const terms = searchTerms(text);
    if (terms.length === 0) return [];
    const rooms = options.rooms ?? (await this.roomNames());
    const matching: Message[] = [];
    for (const room of rooms) {
      const key = this.roomKey(room, "messages");
      const length = await guarded(() => this.redis.llen(key));
      for (let start = 0; start < length; start += SEARCH_CHUNK) {
        const items = await guarded(() => this.redis.lrange(key, start, start + SEARCH_CHUNK - 1));
        items.forEach((json, i) => {
          const message = withSeq(json, start + i + 1);
          if (matchesAll(message.content, terms)) matching.push(message);
        });
      }
    }
    return bestFirst(matching, terms, options.limit);
  }

  async claimOwner(room: string, username: string): Promise<string> {
    const key = this.roomKey(room, "owner");
    const owner = await guarded(async () => {
      await this.redis.set(key, username, "NX");
      return this.redis.get(key);
    });
    return owner ?? username;
  }

  async owner(room: string): Promise<string | undefined> {
    return (await guarded(() => this.redis.get(this.roomKey(room, "owner")))) ?? undefined;
  }

  async hasPersonRoom(person: string, room: string): Promise<boolean> {
    return (await guarded(() => this.redis.zscore(this.personKey(person, "rooms"), room))) !== null;
  }

  async personRooms(person: string): Promise<PersonRoom[]> {
    const rooms = await guarded(() => this.redis.zrange(this.personKey(person, "rooms"), 0, -1));
    if (rooms.length === 0) return [];
    const [levels, markers] = await guarded(() =>
      Promise.all([this.redis.hmget(this.personKey(person, "notify"), ...rooms), this.redis.hmget(this.personKey(person, "read"), ...rooms)]),
    );
    return rooms.map((room, i) => ({
      room,
      notify: levels[i] === "all" ? "all" : "mentions",
      lastReadSeq: Number(markers[i] ?? 0),
    }));
  }

  async savePersonRoom(person: string, room: string, notify?: NotifyLevel): Promise<void> {
    await guarded(() =>
      SAVE_PERSON_ROOM.run(this.redis, [this.personKey(person, "rooms"), this.personKey(person, "notify")], [room, notify ?? ""]),
    );
  }

  async removePersonRoom(person: string, room: string): Promise<void> {
    await guarded(() =>
      this.redis.multi().zrem(this.personKey(person, "rooms"), room).hdel(this.personKey(person, "notify"), room).exec(),
    );
  }

  async markRead(person: string, room: string, seq: number): Promise<number> {
    return (await guarded(() => MARK_READ.run(this.redis, [this.personKey(person, "read")], [room, seq]))) as number;
  }

  async readMarkers(person: string, rooms: string[]): Promise<Map<string, number>> {
    if (rooms.length === 0) return new Map();
    const markers = await guarded(() => this.redis.hmget(this.personKey(person, "read"), ...rooms));
    return new Map(rooms.map((room, i) => [room, Number(markers[i] ?? 0)]));
  }

  async roomsByActivity(limit: number): Promise<RoomActivity[]> {
    const ranked = await guarded(() => this.redis.zrevrange(this.activityKey, 0, limit - 1, "WITHSCORES"));
    const rooms: Array<{ room: string; at: number }> = [];
    for (let i = 0; i < ranked.length; i += 2) rooms.push({ room: ranked[i]!, at: Number(ranked[i + 1]) });
    if (rooms.length === 0) return [];
    const lengths = await guarded(async () => {
      const multi = this.redis.multi();
      for (const { room } of rooms) multi.llen(this.roomKey(room, "messages"));
      return ((await multi.exec()) ?? []).map(([, length]) => Number(length));
    });
    return rooms.map(({ room, at }, i) => ({ room, seq: lengths[i] ?? 0, lastActivity: new Date(at).toISOString() }));
  }

  async roomSettings(room: string): Promise<RoomSettingsRecord | undefined> {
    const json = await guarded(() => this.redis.get(this.roomKey(room, "settings")));
    return json === null ? undefined : (JSON.parse(json) as RoomSettingsRecord);
  }

  async saveRoomSettings(room: string, settings: RoomSettingsRecord): Promise<void> {
    await guarded(() => this.redis.multi().set(this.roomKey(room, "settings"), JSON.stringify(settings)).publish(...this.configured(room)).exec());
  }

  async putRoomEntry(room: string, list: RoomList, entry: RoomEntry): Promise<void> {
    await guarded(() =>
      this.redis.multi().hset(this.roomKey(room, list), entry.key, JSON.stringify(entry)).publish(...this.configured(room)).exec(),
    );
  }

  async removeRoomEntry(room: string, list: RoomList, key: string): Promise<boolean> {
    const results = await guarded(() => this.redis.multi().hdel(this.roomKey(room, list), key).publish(...this.configured(room)).exec());
    return results?.[0]?.[1] === 1;
  }

  async roomEntries(room: string, list: RoomList): Promise<RoomEntry[]> {
    const fields = await guarded(() => this.redis.hvals(this.roomKey(room, list)));
    return fields.map((json) => JSON.parse(json) as RoomEntry);
  }

  async appendAudit(room: string, entry: AuditEntry): Promise<void> {
    const key = this.roomKey(room, "audit");
    await guarded(() => this.redis.multi().lpush(key, JSON.stringify(entry)).ltrim(key, 0, AUDIT_MAX - 1).exec());
  }

  async audit(room: string, limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    const items = await guarded(() => this.redis.lrange(this.roomKey(room, "audit"), 0, limit - 1));
    return items.map((json) => JSON.parse(json) as AuditEntry);
  }

  async deleteRoom(room: string): Promise<void> {
    await guarded(() =>
      DELETE_ROOM.run(
        this.redis,
        [...ROOM_TABLES.map((table) => this.roomKey(room, table)), this.activityKey],
        [this.feedChannel, room, this.origin],
      ),
    );
  }

  // What `livechat migrate` reads to move a STORE=redis cluster into PostgreSQL
  // (redis-to-postgres.ts): everything the store holds, found with SCAN, as it is kept.

  /** Every account, in no particular order. */
  async allUsers(): Promise<UserRecord[]> {
    const keys = await this.scanKeys(`${this.prefix}user:*`);
    const users = await Promise.all(keys.map((key) => this.findUser(decodeURIComponent(key.slice(`${this.prefix}user:`.length)))));
    return users.filter((user): user is UserRecord => user !== undefined);
  }

  /** Every username claim: a skeleton (lib/names.ts) and the name holding it. */
  async allUsernameClaims(): Promise<{ skeleton: string; username: string }[]> {
    const claims = (await this.keptRoomNames()).filter((name) => name.startsWith("@name:")).map((name) => name.slice("@name:".length));
    const holders = await Promise.all(claims.map((skeleton) => this.usernameHolder(skeleton)));
    return claims.flatMap((skeleton, i) => {
      const username = holders[i];
      return username === undefined ? [] : [{ skeleton, username }];
    });
  }

  /** Every room with anything kept about it (messages, an owner, settings, lists or an audit log). */
  async allRooms(): Promise<string[]> {
    return (await this.keptRoomNames()).filter((name) => !name.startsWith("@name:"));
  }

  /** How many messages the room has (its newest seq). */
  messageCount(room: string): Promise<number> {
    return guarded(() => this.redis.llen(this.roomKey(room, "messages")));
  }

  /** Up to `limit` messages from seq `fromSeq` on, as kept: with their authors' and reactors' keys. */
  async keptMessages(room: string, fromSeq: number, limit: number): Promise<KeptMessage[]> {
    const items = await guarded(() => this.redis.lrange(this.roomKey(room, "messages"), fromSeq - 1, fromSeq + limit - 2));
    return items.map((json, i) => ({ ...(JSON.parse(json) as ListedMessage), seq: fromSeq + i }));
  }

  /** Every person (an account's or a guest's key) with a list of rooms or a read marker. */
  async allPeople(): Promise<string[]> {
    const keys = await this.scanKeys(`${this.prefix}person:*`);
    const people = keys.map((key) => decodeURIComponent(key.slice(`${this.prefix}person:`.length, key.lastIndexOf(":"))));
    return [...new Set(people)];
  }

  /** Every read marker the person has, rooms outside their list too. */
  async allReadMarkers(person: string): Promise<Map<string, number>> {
    const markers = await guarded(() => this.redis.hgetall(this.personKey(person, "read")));
    return new Map(Object.entries(markers).map(([room, seq]) => [room, Number(seq)]));
  }

  /** The session secret the nodes generated and shared here when SESSION_SECRET was unset. */
  async sharedSessionSecret(): Promise<string | undefined> {
    return (await guarded(() => this.redis.get(`${this.prefix}session-secret`))) ?? undefined;
  }

  watch(listener: StoreListener): () => void {
    this.listeners.add(listener);
    if (!this.subscribed) this.subscribe();
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (!this.ownsConnections) return;
    this.subscriber.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private subscribe(): void {
    this.subscribed = true;
    this.subscriber.on("message", (channel: string, payload: string) => {
      if (channel === this.feedChannel) this.dispatch(payload);
    });
    // Messages published while the subscriber was away are gone: listeners re-read the store.
    this.subscriber.on("close", () => (this.lostSinceSubscribed = true));
    this.subscriber.on("ready", () => {
      if (!this.lostSinceSubscribed) return;
      this.lostSinceSubscribed = false;
      void this.resyncOnceReady();
    });
    // ioredis subscribes again by itself after a reconnect.
    this.subscriber.subscribe(this.feedChannel).catch(() => (this.lostSinceSubscribed = true));
  }

  /**
   * Listeners re-read the store only once the feed is subscribed again (the reply to our
   * own SUBSCRIBE follows ioredis's resubscription) and commands can run, so nothing
   * stored in between goes unseen.
   */
  private async resyncOnceReady(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.feedChannel);
    } catch {
      this.lostSinceSubscribed = true; // the next "ready" tries again
      return;
    }
    if (this.redis.status !== "ready") await new Promise((resolve) => this.redis.once("ready", resolve));
    for (const listener of this.listeners) listener.resync();
  }

  private dispatch(payload: string): void {
    const [kind, origin, room, seq] = payload.split("\n", 4);
    if (room === undefined || origin === this.origin) return;
    if (kind === "d") {
      for (const listener of this.listeners) listener.deleted(room);
      return;
    }
    if (kind === "c") {
      for (const listener of this.listeners) listener.configured?.(room);
      return;
    }
    if ((kind !== "m" && kind !== "u") || seq === undefined) return;
    const json = payload.slice(kind.length + origin!.length + room.length + seq.length + 4);
    const message = withSeq(json, Number(seq));
    for (const listener of this.listeners) {
      if (kind === "m") listener.appended(message);
      else listener.changed?.(message);
    }
  }

  /** Names of the rooms holding messages, from their keys. */
  private async roomNames(): Promise<string[]> {
    const keys = await this.scanKeys(`${this.prefix}room:*:messages`);
    return keys.map((key) => decodeURIComponent(key.slice(`${this.prefix}room:`.length, -":messages".length)));
  }

  /** Names of the rooms with any key (username claims among them), from their keys. */
  private async keptRoomNames(): Promise<string[]> {
    const keys = await this.scanKeys(`${this.prefix}room:*`);
    return [...new Set(keys.map((key) => decodeURIComponent(key.slice(`${this.prefix}room:`.length, key.lastIndexOf(":")))))];
  }

  /** Every key matching `pattern` (SCAN: Redis keeps answering other commands meanwhile). */
  private async scanKeys(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await guarded(() => this.redis.scan(cursor, "MATCH", pattern, "COUNT", 1000));
      cursor = next;
      found.push(...keys);
    } while (cursor !== "0");
    return [...new Set(found)];
  }

  /** The feed notice that a room's settings or lists changed. */
  private configured(room: string): [string, string] {
    return [this.feedChannel, `c\n${this.origin}\n${room}`];
  }

  private userKey(username: string): string {
    return `${this.prefix}user:${encodeURIComponent(username.toLowerCase())}`;
  }

  /**
   * Username claims. Before they had keys of their own they were owners of rooms named
   * "@name:<skeleton>"; that key is kept, so claims made then still hold.
   */
  private usernameKey(skeleton: string): string {
    return this.roomKey(`@name:${skeleton}`, "owner");
  }

  private get activityKey(): string {
    return `${this.prefix}rooms:activity`;
  }

  private personKey(person: string, table: "rooms" | "notify" | "read"): string {
    return `${this.prefix}person:${encodeURIComponent(person)}:${table}`;
  }

  private roomKey(room: string, table: RoomTable): string {
    return `${this.prefix}room:${encodeURIComponent(room)}:${table}`;
  }
}

/** The message as clients see it: its seq put in, its author's key left out. */
function withSeq(json: string, seq: number): Message {
  const stored = JSON.parse(json) as ListedMessage;
  // The wire order of fields, as the memory store gives them.
  const { id, room, ...rest } = stored;
  return wireMessage({ id, room, seq, ...rest });
}
