// The RegistryManager: finds a room's worker by name, starting it on demand, and
// supervises every worker like an OTP supervisor: a worker that dies is replaced
// by one rebuilt from the store. Live workers are bounded; idle empty rooms stop.
import { LRUCache } from "lru-cache";
import { ChatError } from "../errors";
import type { Logger } from "../logger";
import type { Identity, Message, RoomSummary } from "../protocol";
import { roomTopic } from "../protocol";
import type { Store } from "../store/store";
import type { RoomObserver } from "./observer";
import { Presence, type RoomPresence } from "./presence";
import type { JoinResult, Publish, RoomPush, SendRequest } from "./room";
import { Room, WorkerExited } from "./room";

/** How often an operation follows a room whose worker exits before running it. */
const MAX_ATTEMPTS = 3;
/** How long "every live room is in use" is trusted before the rooms are searched again. */
const FULL_RECHECK_MS = 250;

/** OTP's restart intensity: more than `maxRestarts` crashes of one room within `withinMs` rest it for `coolOffMs`. */
export interface RestartIntensity {
  maxRestarts: number;
  withinMs: number;
  coolOffMs: number;
}

/** What production uses: the 6th crash of a room within 10 s rests it for 30 s. */
export const DEFAULT_RESTART_INTENSITY: RestartIntensity = { maxRestarts: 5, withinMs: 10_000, coolOffMs: 30_000 };

export interface RegistryOptions {
  store: Store;
  publish: Publish;
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
  private readonly options: RegistryOptions;
  private readonly live: LRUCache<string, Room>;
  private readonly starting = new Map<string, Promise<Room>>();
  private readonly presence = new Map<string, RoomPresence>();
  /** Stopped workers still finishing an operation: their successors wait for them. */
  private readonly retiring = new Map<string, Room>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly intensity: RestartIntensity;
  /** Recent crash times per room, for the restart intensity. */
  private readonly crashes = new Map<string, number[]>();
  /** Rooms that crashed too often: not restarted until their timer fires. */
  private readonly resting = new Map<string, { until: number; crashes: number; timer: NodeJS.Timeout }>();
  private readonly unwatch: (() => void) | undefined;
  /** Watchers of each room's pushes on this node (SSE, gRPC Watch), by topic. */
  private readonly watchers = new Map<string, Set<(push: RoomPush) => void>>();
  /** Rooms deleted through this node whose deletion the shared store has not echoed yet. */
  private readonly deletedHere = new Set<string>();
  /** Every worker publishes through this: to the transport, then to this node's watchers. */
  private readonly publish: Publish;
  private restartCount = 0;
  /** Until then, every live room was found in use: new rooms are refused without a search. */
  private fullUntil = 0;
  private closed = false;

  constructor(options: RegistryOptions) {
    this.options = options;
    this.intensity = options.restartIntensity ?? DEFAULT_RESTART_INTENSITY;
    this.publish = (topic, event, payload) => {
      options.publish(topic, event, payload);
      this.tell(topic, { event, payload } as RoomPush);
    };
    this.live = new LRUCache<string, Room>({
      max: options.maxLiveRooms,
      dispose: (room, name, reason) => {
        if (reason !== "evict") return;
        this.retire(name, room);
        if (this.presence.get(name)?.isEmpty) this.presence.delete(name);
      },
    });
    this.sweeper = setInterval(() => this.stopIdleRooms(), Math.max(1000, options.idleMs / 2));
    this.sweeper.unref();
    // A shared store reports what every node stores: each live worker's window follows it.
    this.unwatch = options.store.watch?.({
      appended: (message) => this.follow(message.room, (worker) => worker.observe(message)),
      deleted: (room) => this.forget(room),
      resync: () => {
        for (const name of [...this.live.keys()]) this.follow(name, (worker) => worker.refresh());
      },
    });
  }

  /** Room restarts since start-up, as the supervisor counted them. */
  get restarts(): number {
    return this.restartCount;
  }

  join(room: string, connectionId: string, identity: Identity): Promise<JoinResult> {
    return this.call(room, (worker) => worker.join(connectionId, identity));
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
      const { gone, members } = await presence.leave(connectionId);
      if (!gone) return;
      const topic = roomTopic(room);
      this.publish(topic, "room:notice", { room, kind: "leave", username: gone.username, at: new Date().toISOString() });
      this.publish(topic, "room:presence", { room, members });
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

  messages(room: string): Promise<Message[]> {
    return this.call(room, (worker) => worker.messages());
  }

  /** A page of history for scroll-back, read straight from the store: reads need no mailbox. */
  history(room: string, limit: number, beforeSeq?: number): Promise<Message[]> {
    const { store } = this.options;
    return beforeSeq === undefined ? store.recent(room, limit) : store.before(room, beforeSeq, limit);
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
    if (store.watch) this.deletedHere.add(name);
    await this.call(name, async (worker) => {
      await worker.delete();
      deleted = worker;
    }).catch((error: unknown) => {
      this.deletedHere.delete(name);
      throw error;
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
    const topic = roomTopic(room);
    let set = this.watchers.get(topic);
    if (!set) {
      set = new Set();
      this.watchers.set(topic, set);
    }
    set.add(listener);
    return () => {
      const current = this.watchers.get(topic);
      if (!current?.delete(listener)) return;
      if (current.size === 0) this.watchers.delete(topic);
    };
  }

  /** Watchers of one room on this node, or of every room without one. */
  watcherCount(room?: string): number {
    if (room !== undefined) return this.watchers.get(roomTopic(room))?.size ?? 0;
    let total = 0;
    for (const set of this.watchers.values()) total += set.size;
    return total;
  }

  /** Live rooms, busiest first. */
  list(): RoomSummary[] {
    return [...this.live.values()]
      .map((room) => room.summary())
      .sort((a, b) => b.members - a.members || (b.lastActivity ?? "").localeCompare(a.lastActivity ?? ""));
  }

  get liveRooms(): number {
    return this.live.size;
  }

  /** True while the room is resting after crashing too often. */
  isResting(room: string): boolean {
    return this.resting.has(room);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unwatch?.();
    clearInterval(this.sweeper);
    for (const { timer } of this.resting.values()) clearTimeout(timer);
    this.resting.clear();
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
    const resting = this.resting.get(name);
    if (resting) {
      const seconds = Math.max(1, Math.ceil((resting.until - Date.now()) / 1000));
      return Promise.reject(
        new ChatError(
          "room_unavailable",
          `Room "${name}" crashed ${resting.crashes} times within ${this.intensity.withinMs / 1000} s and is resting; it will be tried again in ${seconds} s.`,
        ),
      );
    }
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
    const { store, historyWindow, observer } = this.options;
    const { publish } = this;
    let presence = this.presence.get(name);
    if (!presence) {
      presence = this.options.createPresence?.(name) ?? new Presence();
      this.presence.set(name, presence);
    }
    const room = await Room.start({
      name,
      store,
      presence,
      publish,
      historyWindow,
      observer,
      onExit: (dead, reason) => this.restart(dead, reason),
    });
    this.live.set(name, room);
    return room;
  }

  private restart(dead: Room, reason: unknown): void {
    if (this.live.peek(dead.name) === dead) this.live.delete(dead.name);
    if (this.closed) return;
    if (this.tooManyCrashes(dead.name)) return this.rest(dead.name, reason);
    this.restartCount += 1;
    this.options.observer?.roomRestarted(dead.name);
    this.options.logger.warn("room worker died; restarting it from the store", {
      room: dead.name,
      reason: reason instanceof Error ? reason.message : String(reason),
      restarts: this.restartCount,
    });
    this.room(dead.name).catch((error: unknown) => {
      this.options.logger.error("room worker could not restart", { room: dead.name, error: String(error) });
    });
  }

  /** Notes a crash and says whether the room has now crashed more often than the intensity allows. */
  private tooManyCrashes(name: string): boolean {
    const now = Date.now();
    const recent = (this.crashes.get(name) ?? []).filter((at) => at > now - this.intensity.withinMs);
    recent.push(now);
    this.crashes.set(name, recent);
    return recent.length > this.intensity.maxRestarts;
  }

  private rest(name: string, reason: unknown): void {
    const crashes = this.crashes.get(name)?.length ?? 0;
    this.crashes.delete(name);
    const { withinMs, coolOffMs } = this.intensity;
    this.options.logger.error("room worker crashes too often; it is not restarted until the cool-off ends", {
      room: name,
      crashes,
      withinSeconds: withinMs / 1000,
      coolOffSeconds: coolOffMs / 1000,
      reason: reason instanceof Error ? reason.message : String(reason),
    });
    const timer = setTimeout(() => {
      this.resting.delete(name);
      if (this.closed) return;
      this.options.logger.warn("room worker cool-off over; starting it again", { room: name });
      this.room(name).catch((error: unknown) => {
        this.options.logger.error("room worker could not restart after its cool-off", { room: name, error: String(error) });
      });
    }, coolOffMs);
    timer.unref();
    this.resting.set(name, { until: Date.now() + coolOffMs, crashes, timer });
  }

  /**
   * Hands a change from the shared store to the room's worker. A room that is not live
   * is left to the store, unless this node has people in it (its worker was evicted):
   * then a worker starts and pushes the window.
   */
  private follow(name: string, update: (worker: Room) => Promise<void>): void {
    // A resting room reads the store afresh when its cool-off ends.
    if (this.closed || this.resting.has(name)) return;
    const report = (error: unknown) => {
      if (error instanceof WorkerExited) return; // its successor reads the store afresh
      this.options.logger.warn("room worker could not follow the store", { room: name, error: String(error) });
    };
    const worker = this.live.peek(name);
    if (worker?.alive) return void update(worker).catch(report);
    const starting = this.starting.get(name);
    if (starting) return void starting.then(update).catch(report);
    const presence = this.presence.get(name);
    if ((presence && !presence.isEmpty) || this.watchers.has(roomTopic(name))) {
      void this.room(name)
        .then((started) => started.refresh())
        .catch(report);
    }
  }

  /** A room deleted anywhere: its worker here stops, and a later one starts from the (empty) store. */
  private forget(name: string): void {
    // This node's people and watchers of the room are told here: the deleting node's
    // worker told its own (its notice reaches every node's sockets, not these watchers).
    // The echo of a deletion made here finds them told already, and perhaps back in a new room.
    if (!this.deletedHere.delete(name)) {
      void this.presence.get(name)?.clear();
      this.tell(roomTopic(name), { event: "room:deleted", payload: { room: name } });
    }
    const worker = this.live.peek(name);
    if (!worker) return;
    this.live.delete(name);
    this.retire(name, worker);
  }

  private tell(topic: string, push: RoomPush): void {
    const set = this.watchers.get(topic);
    if (!set) return;
    // A copy: a watcher may stop watching (a stream ending on room:deleted) while we iterate.
    for (const listener of [...set]) listener(push);
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
      if ((presence && !presence.isEmpty) || this.watchers.has(roomTopic(name))) continue;
      this.live.delete(name);
      this.presence.delete(name);
      this.retire(name, room);
      return true;
    }
    this.fullUntil = now + FULL_RECHECK_MS;
    return false;
  }

  private stopIdleRooms(): void {
    const now = Date.now();
    for (const [name, times] of this.crashes) {
      if ((times.at(-1) ?? 0) <= now - this.intensity.withinMs) this.crashes.delete(name);
    }
    const cutoff = now - this.options.idleMs;
    for (const [name, room] of this.live.entries()) {
      const presence = this.presence.get(name);
      const watched = this.watchers.has(roomTopic(name));
      if ((!presence || presence.isEmpty) && !watched && room.idleSince < cutoff) {
        this.live.delete(name);
        this.presence.delete(name);
        this.retire(name, room);
      }
    }
  }

  private retire(name: string, room: Room): void {
    room.stop();
    this.retiring.set(name, room);
    void room.exited.then(() => {
      if (this.retiring.get(name) === room) this.retiring.delete(name);
    });
  }
}
