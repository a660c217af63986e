// Presence shared by every node through Redis. Each node writes, per room, the
// people connected to it (one hash field per node) and renews its own deadline
// in a hash of nodes (a heartbeat). A room's members are the people of every
// node whose deadline has not passed. Join and leave notices are decided by one
// atomic script that writes a node's field and returns what the others hold,
// so a person with tabs on two nodes is announced once. A node that stops
// renewing is swept by any other: its people leave, with notices.
//
// On a Redis Cluster a script may touch the keys of one slot only: every presence key
// carries the hash tag {presence}, so the scripts work unchanged and presence lives on
// one master (it is small: one field per node per room; the fan-out is what spreads).
import type { Logger } from "../logger";
import type { Identity, Member } from "../protocol";
import { roomTopic } from "../protocol";
import type { Publish } from "../pushes/push-bus";
import { guarded, Script, type RedisClient } from "../store/redis-connection";
import { MemoryPresence } from "./memory";
import { memberOf, personKey, type RoomPresence } from "./presence";

/** TIME as milliseconds, inside a script. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: room presence, nodes, the node's rooms. ARGV: node, people JSON or "", encoded room. */
const WRITE = new Script(
  `${NOW}
local before = redis.call('HGETALL', KEYS[1])
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[3])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[3])
end
local deadlines = {}
for i = 1, #before, 2 do deadlines[#deadlines + 1] = redis.call('HGET', KEYS[2], before[i]) or '0' end
return {now, before, deadlines}`,
  3,
);

/** KEYS: room presence, nodes. */
const READ = new Script(
  `${NOW}
local fields = redis.call('HGETALL', KEYS[1])
local deadlines = {}
for i = 1, #fields, 2 do deadlines[#deadlines + 1] = redis.call('HGET', KEYS[2], fields[i]) or '0' end
return {now, fields, deadlines}`,
  2,
);

/** KEYS: nodes. ARGV: node, ttl ms. Returns whether the node was still registered, now, every node's deadline. */
const HEARTBEAT = new Script(
  `${NOW}
local known = redis.call('HEXISTS', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))
return {known, now, redis.call('HGETALL', KEYS[1])}`,
  1,
);

/**
 * KEYS: nodes, the node's rooms. ARGV: node, rooms' key prefix, "force" to remove a live node (its own close).
 * Removes the node's people from every room; returns [encoded room, people JSON, ...].
 */
const REMOVE_NODE = new Script(
  `${NOW}
local deadline = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[3] ~= 'force' and deadline and tonumber(deadline) > now then return {} end
local out = {}
for _, room in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local key = ARGV[2] .. room
  local people = redis.call('HGET', key, ARGV[1])
  if people then
    redis.call('HDEL', key, ARGV[1])
    out[#out + 1] = room
    out[#out + 1] = people
  end
end
redis.call('DEL', KEYS[2])
redis.call('HDEL', KEYS[1], ARGV[1])
return out`,
  2,
);

export interface SharedPresenceOptions {
  redis: RedisClient;
  /** Key prefix, as the store's. */
  prefix: string;
  /** This process's id among the nodes: unique per start (a restarted node is a new one). */
  node: string;
  /** Publishes notices when a dead node's people leave, or this node's are written again. */
  publish: Publish;
  logger: Logger;
  /** A node whose heartbeat is older than this is dead. */
  ttlMs?: number;
  heartbeatMs?: number;
}

interface Snapshot {
  own: Member[];
  others: Map<string, Member>;
}

const DEFAULT_TTL_MS = 15_000;

/** One node's part in the shared presence: its rooms' presence tables and its heartbeat. */
export class SharedPresence {
  private readonly options: SharedPresenceOptions;
  private readonly ttlMs: number;
  private readonly nodesKey: string;
  private readonly nodeRoomsKey: string;
  private readonly rooms = new Map<string, RedisRoomPresence>();
  /** Rooms whose field in Redis may be stale (a write failed): written again by the heartbeat. */
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private healthySince: number | undefined;
  private beating: Promise<void> | undefined;

  constructor(options: SharedPresenceOptions) {
    this.options = options;
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.nodesKey = `${this.keyPrefix}nodes`;
    this.nodeRoomsKey = this.nodeRooms(options.node);
  }

  /** Registers the node and starts its heartbeat. */
  async start(): Promise<void> {
    await this.heartbeat();
    const every = this.options.heartbeatMs ?? Math.round(this.ttlMs / 3);
    this.timer = setInterval(() => {
      this.beating ??= this.heartbeat().finally(() => (this.beating = undefined));
    }, every);
    this.timer.unref();
  }

  /** The presence table of one room, for its Room worker. */
  forRoom(room: string): RoomPresence {
    let presence = this.rooms.get(room);
    if (!presence) {
      presence = new RedisRoomPresence(room, this);
      this.rooms.set(room, presence);
    }
    return presence;
  }

  /** Keeps a room's table where the heartbeat finds it (tables of empty rooms are let go). */
  keep(room: string, presence: RedisRoomPresence): void {
    this.rooms.set(room, presence);
  }

  /** Removes this node's people from every room (they leave, with notices), then stops the heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.removeNode(this.options.node, true).catch((error: unknown) => {
      this.options.logger.warn("could not remove this node's presence", { error: String(error) });
    });
  }

  /** Writes this node's people in `room` and says who joined or left the room as a whole. */
  async write(room: string, people: Member[]): Promise<{ joined: Member[]; left: Member[]; members: Member[] }> {
    const encoded = encodeURIComponent(room);
    try {
      const reply = (await guarded(() =>
        WRITE.run(this.options.redis, [this.presenceKey(room), this.nodesKey, this.nodeRoomsKey], [
          this.options.node,
          people.length === 0 ? "" : JSON.stringify(people),
          encoded,
        ]),
      )) as [number, string[], string[]];
      this.dirty.delete(room);
      const before = this.snapshot(reply);
      const now = new Map(people.map((member) => [personKey(member), member]));
      const was = new Map(before.own.map((member) => [personKey(member), member]));
      const joined = [...now].filter(([key]) => !was.has(key) && !before.others.has(key)).map(([, m]) => m);
      const left = [...was].filter(([key]) => !now.has(key) && !before.others.has(key)).map(([, m]) => m);
      return { joined, left, members: sortMembers([...before.others.values(), ...people]) };
    } catch (error) {
      this.dirty.add(room);
      throw error;
    }
  }

  async members(room: string): Promise<Member[]> {
    const reply = (await guarded(() =>
      READ.run(this.options.redis, [this.presenceKey(room), this.nodesKey], []),
    )) as [number, string[], string[]];
    const { own, others } = this.snapshot(reply);
    return sortMembers([...others.values(), ...own]);
  }

  private snapshot([now, fields, deadlines]: [number, string[], string[]]): Snapshot {
    const others = new Map<string, Member>();
    let own: Member[] = [];
    for (let i = 0; i < fields.length; i += 2) {
      const node = fields[i]!;
      const people = parsePeople(fields[i + 1]!);
      if (node === this.options.node) own = people;
      else if (Number(deadlines[i / 2]) > now) for (const member of people) others.set(personKey(member), member);
    }
    return { own, others };
  }

  private async heartbeat(): Promise<void> {
    const { redis, node, logger } = this.options;
    let reply: [number, number, string[]];
    try {
      reply = (await guarded(() => HEARTBEAT.run(redis, [this.nodesKey], [node, this.ttlMs]))) as typeof reply;
    } catch {
      this.healthySince = undefined;
      return;
    }
    const [known, now, nodes] = reply;
    this.healthySince ??= Date.now();
    // Swept while Redis was out of reach (or before): every room of this node is written again.
    if (known === 0) for (const room of this.rooms.keys()) this.dirty.add(room);
    for (const room of [...this.dirty]) await this.rewrite(room);
    for (const [room, presence] of this.rooms) {
      if (presence.isEmpty && !this.dirty.has(room)) this.rooms.delete(room);
    }
    // Only a node that has been in touch for a whole ttl judges others: after Redis was
    // down, every node needs a beat to renew its deadline first.
    if (Date.now() - this.healthySince < this.ttlMs) return;
    for (let i = 0; i < nodes.length; i += 2) {
      if (nodes[i] !== node && Number(nodes[i + 1]) <= now) {
        logger.warn("a node stopped renewing its presence; its people leave the rooms", { deadNode: nodes[i] });
        await this.removeNode(nodes[i]!, false).catch(() => {});
      }
    }
  }

  private async rewrite(room: string): Promise<void> {
    const presence = this.rooms.get(room);
    const change = await this.write(room, presence?.localMembers() ?? []).catch(() => undefined);
    if (change) this.announce(room, change);
  }

  private async removeNode(node: string, force: boolean): Promise<void> {
    const { redis } = this.options;
    const removed = (await guarded(() =>
      REMOVE_NODE.run(redis, [this.nodesKey, this.nodeRooms(node)], [node, `${this.keyPrefix}room:`, force ? "force" : ""]),
    )) as string[];
    for (let i = 0; i < removed.length; i += 2) {
      const room = decodeURIComponent(removed[i]!);
      const members = await this.members(room);
      const still = new Set(members.map(personKey));
      const left = parsePeople(removed[i + 1]!).filter((member) => !still.has(personKey(member)));
      this.announce(room, { joined: [], left, members });
    }
  }

  private announce(room: string, change: { joined: Member[]; left: Member[]; members: Member[] }): void {
    const { publish } = this.options;
    const topic = roomTopic(room);
    const at = new Date().toISOString();
    for (const member of change.joined) publish(topic, "room:notice", { room, kind: "join", username: member.username, at });
    for (const member of change.left) publish(topic, "room:notice", { room, kind: "leave", username: member.username, at });
    if (change.joined.length + change.left.length > 0) publish(topic, "room:presence", { room, members: change.members });
  }

  /** Every presence key starts so: one hash tag, one slot on a Redis Cluster. */
  private get keyPrefix(): string {
    return `${this.options.prefix}{presence}`;
  }

  private presenceKey(room: string): string {
    return `${this.keyPrefix}room:${encodeURIComponent(room)}`;
  }

  private nodeRooms(node: string): string {
    return `${this.keyPrefix}node:${encodeURIComponent(node)}:rooms`;
  }
}

/** One room's presence on this node: its own connections, and the people of every node. */
class RedisRoomPresence implements RoomPresence {
  private readonly local = new MemoryPresence();
  private known = 0;

  constructor(
    private readonly room: string,
    private readonly shared: SharedPresence,
  ) {}

  has(connectionId: string): boolean {
    return this.local.has(connectionId);
  }

  connectionIds(): Iterable<string> {
    return this.local.connectionIds();
  }

  get isEmpty(): boolean {
    return this.local.isEmpty;
  }

  get count(): number {
    return Math.max(this.known, this.local.count);
  }

  localMembers(): Member[] {
    return this.local.members();
  }

  async join(connectionId: string, identity: Identity): Promise<{ first: boolean; members: Member[] }> {
    this.shared.keep(this.room, this);
    const { first: firstHere } = await this.local.join(connectionId, identity);
    try {
      if (!firstHere) return { first: false, members: this.remember(await this.shared.members(this.room)) };
      const { joined, members } = await this.shared.write(this.room, this.local.members());
      const key = personKey(identity);
      return { first: joined.some((member) => personKey(member) === key), members: this.remember(members) };
    } catch (error) {
      await this.local.leave(connectionId);
      throw error;
    }
  }

  async leave(connectionId: string): Promise<{ gone: Identity | undefined; members: Member[] }> {
    const { gone: goneHere } = await this.local.leave(connectionId);
    if (!goneHere) return { gone: undefined, members: [] };
    // When this write fails, the heartbeat writes the room again once Redis is back.
    const { left, members } = await this.shared.write(this.room, this.local.members());
    const key = personKey(goneHere);
    return { gone: left.some((member) => personKey(member) === key) ? goneHere : undefined, members: this.remember(members) };
  }

  async everyone(): Promise<Member[]> {
    return this.remember(await this.shared.members(this.room));
  }

  async clear(): Promise<void> {
    if (this.local.isEmpty) return;
    await this.local.clear();
    await this.shared.write(this.room, []);
  }

  private remember(members: Member[]): Member[] {
    this.known = members.length;
    return members;
  }
}

function parsePeople(json: string): Member[] {
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (m): m is Member =>
        typeof m === "object" &&
        m !== null &&
        typeof m.username === "string" &&
        typeof m.guest === "boolean" &&
        (m.tag === undefined || typeof m.tag === "string"),
    );
  } catch {
    return [];
  }
}

function sortMembers(members: Member[]): Member[] {
  const unique = new Map(members.map((member) => [personKey(member), memberOf(member)]));
  return [...unique.values()].sort((a, b) => a.username.localeCompare(b.username) || (a.tag ?? "").localeCompare(b.tag ?? ""));
}
