// How this node's rooms follow a store shared with other nodes: a message another
// node stores reaches the room's worker here (its window catches up and it pushes),
// a change to a room's settings or lists (a ban) makes its worker here read them again,
// a deletion made elsewhere reaches the registry, and after a lost connection every
// live room reads the store again. A room not live here is left to the store, unless
// this node has people or watchers in it (its worker was evicted): then a worker
// starts and pushes the window.
//
// The node hears only the rooms it follows (with the PostgreSQL store, one NOTIFY
// channel each): a room is followed before its worker reads the store (so a change
// committed while it starts is either in what it reads or told after) and while it is
// watched, and released once it is neither live, starting, nor wanted here.
import type { Logger } from "../logger";
import type { Store } from "../store/store";
import { WorkerExited, type Room } from "./room";

/** What the feed needs of the registry. */
export interface FeedRooms {
  /** The room's worker if it is live, without starting one. */
  live(name: string): Room | undefined;
  /** The room's worker being started, if it is. */
  starting(name: string): Promise<Room> | undefined;
  /** Whether this node has people or watchers in the room, so it must be live. */
  wanted(name: string): boolean;
  start(name: string): Promise<Room>;
  /** Whether changes to the room are left alone now (the registry is closed, or the room rests and reads the store when it starts). */
  paused(name: string): boolean;
  /** A room another node deleted. */
  deleted(name: string): void;
}

/** The store's feed as the registry drives it. */
export interface StoreFeed {
  /**
   * Hears of the room from now on; resolves once every change committed from then on will
   * be told: read the room after. Undefined when that is so already (the store tells of
   * every room, or listens to this one): nothing to wait for.
   */
  follow(name: string): Promise<void> | undefined;
  /** Stops hearing of the room, unless it is still live, starting or wanted here. */
  release(name: string): void;
  /** Releases every followed room this node no longer needs. */
  sweep(): void;
  stop(): void;
}

/** Starts following the store's feed, if it has one. */
export function followStore(store: Store, rooms: FeedRooms, logger: Logger): StoreFeed | undefined {
  if (!store.watch) return undefined;
  const followed = new Set<string>();
  const needed = (name: string) => rooms.live(name) !== undefined || rooms.starting(name) !== undefined || rooms.wanted(name);
  const update = (name: string, change: (worker: Room) => Promise<void>): void => {
    if (rooms.paused(name)) return;
    const report = (error: unknown) => {
      if (error instanceof WorkerExited) return; // its successor reads the store afresh
      logger.warn("room worker could not follow the store", { room: name, error: String(error) });
    };
    const worker = rooms.live(name);
    if (worker) return void change(worker).catch(report);
    const starting = rooms.starting(name);
    if (starting) return void starting.then(change).catch(report);
    if (rooms.wanted(name)) {
      void rooms
        .start(name)
        .then((started) => started.refresh())
        .catch(report);
    }
  };
  const release = (name: string): void => {
    if (!followed.has(name) || needed(name)) return;
    followed.delete(name);
    store.unfollow?.(name);
  };
  const unwatch = store.watch({
    appended: (message) => update(message.room, (worker) => worker.observe(message)),
    changed: (message) => update(message.room, (worker) => worker.observeChange(message)),
    deleted: (room) => rooms.deleted(room),
    configured: (room) => update(room, (worker) => worker.reconfigure()),
    resync: () => {
      // Live rooms, and rooms starting (what they read may predate the loss), read again;
      // a room only watched starts on its next change, as ever.
      for (const name of followed) {
        if (rooms.live(name) || rooms.starting(name)) update(name, (worker) => worker.refresh());
      }
    },
  });
  return {
    follow: (name) => {
      followed.add(name);
      return store.follow?.(name);
    },
    release,
    sweep: () => {
      for (const name of followed) release(name);
    },
    stop: unwatch,
  };
}
