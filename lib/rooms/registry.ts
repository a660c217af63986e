// The RegistryManager: finds a room's worker by name, starting it on demand, and
// supervises every worker like an OTP supervisor: a worker that dies is replaced
// by one rebuilt from the store. Live workers are bounded; idle empty rooms stop.
import { LRUCache } from "lru-cache";
import { ChatError } from "../errors";
import type { Logger } from "../logger";
import type { Identity, Message, RoomSummary } from "../protocol";
import type { Store } from "../store/store";
import type { RoomObserver } from "./observer";
import { Presence, type RoomPresence } from "./presence";
import type { JoinResult, Publish, SendRequest } from "./room";
import { Room, WorkerExited } from "./room";

/** How often an operation follows a room whose worker exits before running it. */
const MAX_ATTEMPTS = 3;

export interface RegistryOptions {
  store: Store;
  publish: Publish;
  logger: Logger;
  historyWindow: number;
  maxLiveRooms: number;
  /** An empty room with no operation for this long is stopped. */
  idleMs: number;
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
  private readonly unwatch: (() => void) | undefined;
  private restartCount = 0;
  private closed = false;

  constructor(options: RegistryOptions) {
    this.options = options;
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

  leave(room: string, connectionId: string): Promise<void> {
    return this.call(room, (worker) => worker.leave(connectionId));
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

  /** Live rooms, busiest first. */
  list(): RoomSummary[] {
    return [...this.live.values()]
      .map((room) => room.summary())
      .sort((a, b) => b.members - a.members || (b.lastActivity ?? "").localeCompare(a.lastActivity ?? ""));
  }

  get liveRooms(): number {
    return this.live.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unwatch?.();
    clearInterval(this.sweeper);
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
    const worker = this.live.get(name);
    if (worker?.alive) return Promise.resolve(worker);
    let pending = this.starting.get(name);
    if (!pending) {
      pending = this.start(name).finally(() => this.starting.delete(name));
      this.starting.set(name, pending);
    }
    return pending;
  }

  private async start(name: string): Promise<Room> {
    if (this.closed) throw new WorkerExited(name);
    // A dying predecessor finishes its last operation before the successor reads the store.
    await (this.live.peek(name) ?? this.retiring.get(name))?.exited;
    const { store, publish, historyWindow, observer } = this.options;
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

  /**
   * Hands a change from the shared store to the room's worker. A room that is not live
   * is left to the store, unless this node has people in it (its worker was evicted):
   * then a worker starts and pushes the window.
   */
  private follow(name: string, update: (worker: Room) => Promise<void>): void {
    if (this.closed) return;
    const report = (error: unknown) => {
      if (error instanceof WorkerExited) return; // its successor reads the store afresh
      this.options.logger.warn("room worker could not follow the store", { room: name, error: String(error) });
    };
    const worker = this.live.peek(name);
    if (worker?.alive) return void update(worker).catch(report);
    const starting = this.starting.get(name);
    if (starting) return void starting.then(update).catch(report);
    const presence = this.presence.get(name);
    if (presence && !presence.isEmpty) {
      void this.room(name)
        .then((started) => started.refresh())
        .catch(report);
    }
  }

  /** A room deleted anywhere: its worker here stops, and a later one starts from the (empty) store. */
  private forget(name: string): void {
    const worker = this.live.peek(name);
    if (!worker) return;
    this.live.delete(name);
    this.retire(name, worker);
  }

  private stopIdleRooms(): void {
    const cutoff = Date.now() - this.options.idleMs;
    for (const [name, room] of this.live.entries()) {
      const presence = this.presence.get(name);
      if ((!presence || presence.isEmpty) && room.idleSince < cutoff) {
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
