// The RegistryManager: finds a room's worker by name, starting it on demand, and
// supervises every worker (supervisor.ts decides restarts). Live workers are bounded;
// idle empty rooms stop. It owns the node's push bus: workers publish on it and every
// transport subscribes to it. With a shared store its rooms follow the store's feed
// (store-feed.ts), so they see what other nodes store: a room from before its worker
// reads the store, and while it is watched, until it is neither live nor wanted here.
import { LRUCache } from "lru-cache";
import { ChatError } from "../errors";
import type { Logger } from "../logger";
import { MemoryPresence } from "../presence/memory";
import type { RoomPresence } from "../presence/presence";
import type { Author } from "../people";
import type { Identity, Message, RoomSettings, RoomSummary } from "../protocol";
import { roomTopic } from "../protocol";
import { PushBus, type RoomPush } from "../pushes/push-bus";
import type { AuditEntry, RoomSearch, RoomsSearch, Store } from "../store/store";
import type { RoomObserver } from "./observer";
import { sightingsOf, type ModerationRequest, type Named, type SettingsChange, type Sighting } from "./keeping";
import type { Actor } from "./roles";
import type { ChangeRequest } from "./conversation";
import type { JoinResult, RoomInfo, SendRequest } from "./room";
import { Room, WorkerExited } from "./room";
import { sortRooms } from "./room-list";
import { followStore, type StoreFeed } from "./store-feed";
import { DEFAULT_RESTART_INTENSITY, Supervisor, type RestartIntensity } from "./supervisor";

export { DEFAULT_RESTART_INTENSITY, type RestartIntensity } from "./supervisor";

/** How often an operation follows a room whose worker exits before running it. */
const MAX_ATTEMPTS = 3;
/** How long "every live room is in use" is trusted before the rooms are searched again. */
const FULL_RECHECK_MS = 250;

export interface RegistryOptions {
  store: Store;
  /** Where the rooms publish; a new bus unless given (shared presence publishes on it too). */
  pushes?: PushBus;
  logger: Logger;
  historyWindow: number;
  maxLiveRooms: number;
  /** An empty room with no operation for this long is stopped. */
  idleMs: number;
  restartIntensity?: RestartIntensity;
  /** Told what the rooms do (messages stored, pushes, restarts), for metrics. */
  observer?: RoomObserver;
  /** Who is in a room; this node's connections only unless given (several nodes share presence). */
  createPresence?: (room: string) => RoomPresence;
}

export class RegistryManager {
  /** Every push of this node's rooms: transports subscribe here. */
  readonly pushes: PushBus;
  private readonly options: RegistryOptions;
  private readonly live: LRUCache<string, Room>;
  private readonly starting = new Map<string, Promise<Room>>();
  private readonly presence = new Map<string, RoomPresence>();
  /** Each room's connections on this node with their addresses, kept beside presence (RoomDeps.sightings). */
  private readonly sightingsOf = new Map<string, Map<string, Sighting>>();
  /** Stopped workers still finishing an operation: their successors wait for them. */
  private readonly retiring = new Map<string, Room>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly supervisor: Supervisor;
  private readonly feed: StoreFeed | undefined;
  /** Until then, every live room was found in use: new rooms are refused without a search. */
  private fullUntil = 0;
  private closed = false;

  constructor(options: RegistryOptions) {
    this.options = options;
    this.pushes = options.pushes ?? new PushBus();
    this.supervisor = new Supervisor({
      intensity: options.restartIntensity ?? DEFAULT_RESTART_INTENSITY,
      logger: options.logger,
      ...(options.observer ? { observer: options.observer } : {}),
      restart: (name) => this.room(name),
    });
    this.live = new LRUCache<string, Room>({
      max: options.maxLiveRooms,
      dispose: (room, name, reason) => {
        if (reason !== "evict") return;
        this.retire(name, room);
        if (this.presence.get(name)?.isEmpty) this.dropPresence(name);
      },
    });
    this.sweeper = setInterval(() => this.stopIdleRooms(), Math.max(1000, options.idleMs / 2));
    this.sweeper.unref();
    this.feed = followStore(
      options.store,
      {
        live: (name) => {
          const worker = this.live.peek(name);
          return worker?.alive ? worker : undefined;
        },
        starting: (name) => this.starting.get(name),
        wanted: (name) => !(this.presence.get(name)?.isEmpty ?? true) || this.pushes.isWatched(name),
        start: (name) => this.room(name),
        paused: (name) => this.closed || this.supervisor.isResting(name),
        deleted: (name) => this.forget(name),
      },
      options.logger,
    );
  }

  /** The store the rooms keep their history in (read directly by operations that need no mailbox). */
  get store(): Store {
    return this.options.store;
  }

  /** Room restarts since start-up, as the supervisor counted them. */
  get restarts(): number {
    return this.supervisor.restarts;
  }

  join(room: string, connectionId: string, identity: Author, address?: string, invited = false): Promise<JoinResult> {
    return this.call(room, (worker) => worker.join(connectionId, identity, address, invited));
  }

  /** The room's settings, or `forbidden` for someone it does not let in. */
  admit(room: string, actor: Actor, address?: string): Promise<RoomSettings> {
    return this.call(room, (worker) => worker.admit(actor, address));
  }

  /** Resolves if the person may post, react and type in the room now; else `forbidden` saying why. */
  mayPost(room: string, identity: Identity, address?: string): Promise<void> {
    return this.call(room, (worker) => worker.mayPost(identity, address));
  }

  /** As admit, with the people in the room. */
  details(room: string, actor: Actor, address?: string): Promise<RoomInfo> {
    return this.call(room, (worker) => worker.details(actor, address));
  }

  /** `elsewhere`: the people in the room on other nodes, as their nodes know them. */
  configure(room: string, actor: Actor, change: SettingsChange, elsewhere: Sighting[] = []): Promise<RoomSettings> {
    return this.call(room, (worker) => worker.configure(actor, change, elsewhere));
  }

  moderate(room: string, request: ModerationRequest, account: boolean): Promise<void> {
    return this.call(room, (worker) => worker.moderate(request, account));
  }

  /** This node's connections to the room of the account or guest named (everyone's without), for a keeper on another node. */
  sightings(room: string, named?: Named): Sighting[] {
    return sightingsOf(this.sightingsOf.get(room)?.values() ?? [], named);
  }

  /** The room's audit log, newest first, read straight from the store. */
  audit(room: string, limit: number): Promise<AuditEntry[]> {
    return this.options.store.audit(room, limit);
  }

  /**
   * Records that a connection left. A room whose worker cannot run it (resting after
   * crashes, or refused a start) still loses the member: presence is the registry's,
   * so the leave is recorded and announced here, and no one stays listed for a room's
   * troubles.
   */
  async leave(room: string, connectionId: string): Promise<void> {
    try {
      await this.call(room, (worker) => worker.leave(connectionId));
    } catch (error) {
      const presence = this.presence.get(room);
      if (!presence?.has(connectionId)) return;
      if (!(error instanceof ChatError) || error.code !== "room_unavailable" || this.live.peek(room)?.alive) throw error;
      this.sightingsOf.get(room)?.delete(connectionId);
      const { gone, members } = await presence.leave(connectionId);
      if (!gone) return;
      const topic = roomTopic(room);
      this.pushes.publish(topic, "room:notice", { room, kind: "leave", username: gone.username, at: new Date().toISOString() });
      this.pushes.publish(topic, "room:presence", { room, members });
    } finally {
      // A room may have emptied: the next new room searches again.
      this.fullUntil = 0;
    }
  }

  /** Connections of this node listed in a room that `isOpen` says are closed: leaves that never happened. */
  *staleConnections(isOpen: (connectionId: string) => boolean): Iterable<{ room: string; connectionId: string }> {
    for (const [room, presence] of this.presence) {
      for (const connectionId of presence.connectionIds()) {
        if (!isOpen(connectionId)) yield { room, connectionId };
      }
    }
  }

  send(room: string, request: SendRequest): Promise<Message> {
    return this.call(room, (worker) => worker.send(request));
  }

  /** Edits, deletes, reacts to or pins one message in the room's order; answers it as changed, once durable. */
  changeMessage(room: string, seq: number, request: ChangeRequest): Promise<Message> {
    return this.call(room, (worker) => worker.change(seq, request));
  }

  messages(room: string): Promise<Message[]> {
    return this.call(room, (worker) => worker.messages());
  }

  /**
   * A page of history, read without the mailbox: the newest page from a live room's window
   * when this node is the only writer (with a shared store the window may trail another
   * node's write by the feed's delay), anything else from the store.
   */
  async history(room: string, limit: number, beforeSeq?: number): Promise<Message[]> {
    const { store } = this.options;
    if (beforeSeq !== undefined) return store.before(room, beforeSeq, limit);
    return (store.watch ? undefined : this.live.peek(room)?.recent(limit)) ?? store.recent(room, limit);
  }

  /** A room's messages matching `text`, newest first, read straight from the store like history. */
  search(room: string, text: string, options: RoomSearch): Promise<Message[]> {
    return this.options.store.searchRoom(room, text, options);
  }

  /** Messages matching `text` in every room, best match first. (Private rooms, once they exist, narrow `rooms`.) */
  searchAll(text: string, options: RoomsSearch): Promise<Message[]> {
    return this.options.store.searchRooms(text, options);
  }

  /** Kills the room's worker on purpose (starting it first if it is not live), to exercise supervision. */
  async crash(room: string): Promise<void> {
    const worker = await this.room(room);
    worker.kill(new Error("crashed on purpose through the admin route"));
  }

  /**
   * Deletes a room for its owner (the first registered user who joined or posted) or an
   * admin: history and owner leave the store, and watchers of its topic get `room:deleted`.
   */
  async deleteRoom(name: string, by: Identity | "admin"): Promise<void> {
    const { store } = this.options;
    const owner = await store.owner(name);
    const exists = owner !== undefined || this.live.has(name) || (await store.recent(name, 1)).length > 0;
    if (!exists) throw new ChatError("not_found", `There is no room "${name}".`);
    if (by !== "admin" && (by.guest || owner?.toLowerCase() !== by.username.toLowerCase())) {
      throw new ChatError("forbidden", `Only the owner of room "${name}" or an admin can delete it.`);
    }
    let deleted: Room | undefined;
    await this.call(name, async (worker) => {
      await worker.delete();
      deleted = worker;
    });
    if (deleted && this.live.peek(name) === deleted) {
      this.live.delete(name);
      this.retire(name, deleted);
    }
  }

  /**
   * Calls `listener` with every push of the room on this node until the returned function
   * is called. A watched room stays live and follows a shared store, so its watchers see
   * messages stored through any node, and a deletion made anywhere.
   */
  watch(room: string, listener: (push: RoomPush) => void): () => void {
    const stop = this.pushes.watch(room, listener);
    // A feed that cannot listen now listens to the room once it is back.
    this.feed?.follow(room)?.catch(() => {});
    return () => {
      stop();
      this.feed?.release(room);
    };
  }

  /** Watchers of one room on this node, or of every room without one. */
  watcherCount(room?: string): number {
    return this.pushes.watcherCount(room);
  }

  /** Live public rooms, busiest first: unlisted and private rooms are never listed. */
  list(): RoomSummary[] {
    return sortRooms([...this.live.values()].filter((room) => room.listed).map((room) => room.summary()));
  }

  /**
   * As list(), each member count read afresh: with shared presence, everyone in the room
   * on every node (the last known count when that read fails, Redis being away).
   */
  async listEveryone(): Promise<RoomSummary[]> {
    const rooms = await Promise.all(
      this.list().map(async (summary) => {
        const presence = this.presence.get(summary.name);
        const members = presence ? await presence.everyone().then((people) => people.length, () => summary.members) : summary.members;
        return { ...summary, members };
      }),
    );
    return sortRooms(rooms);
  }

  get liveRooms(): number {
    return this.live.size;
  }

  /** True while the room is resting after crashing too often. */
  isResting(room: string): boolean {
    return this.supervisor.isResting(room);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.feed?.stop();
    clearInterval(this.sweeper);
    this.supervisor.close();
    for (const room of this.live.values()) room.stop();
    this.live.clear();
  }

  /** Runs `operation` on the room's worker; one a dying worker never began follows it to its successor. */
  private async call<T>(name: string, operation: (room: Room) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation(await this.room(name));
      } catch (error) {
        if (!(error instanceof WorkerExited)) throw error;
        if (attempt === MAX_ATTEMPTS || this.closed) {
          throw new ChatError("room_unavailable", `Room "${name}" is restarting; please try again.`);
        }
      }
    }
  }

  private room(name: string): Promise<Room> {
    const refusal = this.supervisor.refusal(name);
    if (refusal) return Promise.reject(refusal);
    const worker = this.live.get(name);
    if (worker?.alive) return Promise.resolve(worker);
    let pending = this.starting.get(name);
    if (!pending) {
      if (!worker && !this.makeRoom()) {
        return Promise.reject(
          new ChatError("room_unavailable", `This server holds as many rooms as it can, all in use; "${name}" cannot open now. Try again later.`),
        );
      }
      pending = this.start(name).finally(() => this.starting.delete(name));
      this.starting.set(name, pending);
    }
    return pending;
  }

  private async start(name: string): Promise<Room> {
    if (this.closed) throw new WorkerExited(name);
    // A dying predecessor finishes its last operation before the successor reads the store.
    await (this.live.peek(name) ?? this.retiring.get(name))?.exited;
    // Listening before reading: a change committed meanwhile is in the read or told after
    // it (the worker skips what it has). Fails with room_unavailable when the feed cannot listen.
    // Awaited only when there is something to wait for: otherwise the room starts in this
    // turn, as it does without a feed, and operations queued meanwhile keep their order.
    const listening = this.feed?.follow(name);
    if (listening) await listening;
    const { store, historyWindow, observer } = this.options;
    let presence = this.presence.get(name);
    if (!presence) {
      presence = this.options.createPresence?.(name) ?? new MemoryPresence();
      this.presence.set(name, presence);
    }
    let sightings = this.sightingsOf.get(name);
    if (!sightings) {
      sightings = new Map();
      this.sightingsOf.set(name, sightings);
    }
    const room = await Room.start({
      name,
      store,
      presence,
      sightings,
      publish: this.pushes.publish,
      historyWindow,
      observer,
      onExit: (dead, reason) => this.restart(dead, reason),
    });
    this.live.set(name, room);
    return room;
  }

  private restart(dead: Room, reason: unknown): void {
    if (this.live.peek(dead.name) === dead) this.live.delete(dead.name);
    if (!this.closed) this.supervisor.died(dead.name, reason);
  }

  /** A room another node deleted: its worker here stops, and a later one starts from the (empty) store. */
  private forget(name: string): void {
    // The deleting node's worker told its own people and watchers, and its notice reached
    // every node's sockets; this node's watchers and presence are told here.
    void this.presence.get(name)?.clear();
    this.sightingsOf.get(name)?.clear();
    this.pushes.relay(roomTopic(name), "room:deleted", { room: name });
    const worker = this.live.peek(name);
    if (!worker) return;
    this.live.delete(name);
    this.retire(name, worker);
  }

  /**
   * Makes sure a new room fits under MAX_LIVE_ROOMS, stopping the least recently used
   * room that nobody is in or watches. Rooms in use are never stopped to make room: past
   * that, new rooms are refused, so a flood of joins cannot push people out of theirs.
   * After a search finds nothing, refusals skip it for a moment: they stay cheap.
   */
  private makeRoom(): boolean {
    if (this.live.size + this.starting.size < this.options.maxLiveRooms) return true;
    const now = Date.now();
    if (now < this.fullUntil) return false;
    // Least recently used first. (lru-cache types rentries() loosely, hence the keys.)
    for (const name of this.live.rkeys()) {
      const room = this.live.peek(name)!;
      const presence = this.presence.get(name);
      if ((presence && !presence.isEmpty) || this.pushes.isWatched(name)) continue;
      this.live.delete(name);
      this.dropPresence(name);
      this.retire(name, room);
      return true;
    }
    this.fullUntil = now + FULL_RECHECK_MS;
    return false;
  }

  /** A room nobody on this node is in any more: its presence and sightings go. */
  private dropPresence(name: string): void {
    this.presence.delete(name);
    this.sightingsOf.delete(name);
  }

  private stopIdleRooms(): void {
    this.supervisor.sweep();
    const cutoff = Date.now() - this.options.idleMs;
    for (const [name, room] of this.live.entries()) {
      const presence = this.presence.get(name);
      const watched = this.pushes.isWatched(name);
      if ((!presence || presence.isEmpty) && !watched && room.idleSince < cutoff) {
        this.live.delete(name);
        this.dropPresence(name);
        this.retire(name, room);
      }
    }
    // Rooms that stopped being wanted without a worker retiring (a resting room emptied).
    this.feed?.sweep();
  }

  private retire(name: string, room: Room): void {
    room.stop();
    this.retiring.set(name, room);
    void room.exited.then(() => {
      if (this.retiring.get(name) === room) this.retiring.delete(name);
      this.feed?.release(name);
    });
  }
}
