// How this node's rooms follow a store shared with other nodes: a message another
// node stores reaches the room's worker here (its window catches up and it pushes),
// a change to a room's settings or lists (a ban) makes its worker here read them again,
// a deletion made elsewhere reaches the registry, and after a lost connection every
// live room reads the store again. A room not live here is left to the store, unless
// this node has people or watchers in it (its worker was evicted): then a worker
// starts and pushes the window.
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
  /** Names of the live rooms. */
  liveNames(): string[];
  /** Whether changes to the room are left alone now (the registry is closed, or the room rests and reads the store when it starts). */
  paused(name: string): boolean;
  /** A room another node deleted. */
  deleted(name: string): void;
}

/** Starts following the store's feed, if it has one; returns the function that stops it. */
export function followStore(store: Store, rooms: FeedRooms, logger: Logger): (() => void) | undefined {
  const follow = (name: string, update: (worker: Room) => Promise<void>): void => {
    if (rooms.paused(name)) return;
    const report = (error: unknown) => {
      if (error instanceof WorkerExited) return; // its successor reads the store afresh
      logger.warn("room worker could not follow the store", { room: name, error: String(error) });
    };
    const worker = rooms.live(name);
    if (worker) return void update(worker).catch(report);
    const starting = rooms.starting(name);
    if (starting) return void starting.then(update).catch(report);
    if (rooms.wanted(name)) {
      void rooms
        .start(name)
        .then((started) => started.refresh())
        .catch(report);
    }
  };
  return store.watch?.({
    appended: (message) => follow(message.room, (worker) => worker.observe(message)),
    changed: (message) => follow(message.room, (worker) => worker.observeChange(message)),
    deleted: (room) => rooms.deleted(room),
    configured: (room) => follow(room, (worker) => worker.reconfigure()),
    resync: () => {
      for (const name of rooms.liveNames()) follow(name, (worker) => worker.refresh());
    },
  });
}
