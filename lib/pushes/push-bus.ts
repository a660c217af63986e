// The one path of pushes on a node. Room workers and the shared presence publish
// every push here; every transport that delivers pushes subscribes: Socket.IO to
// all of them, SSE streams and gRPC watches to one room's. Delivery is synchronous
// and in publish order. The bus knows no transport and keeps nothing.
import type { ServerEvent, ServerToClientEvents } from "../protocol";
import { roomTopic } from "../protocol";

export type PushPayload<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];

export type Publish = <E extends ServerEvent>(topic: string, event: E, payload: PushPayload<E>) => void;

/** One push as a watcher of a room's topic sees it. */
export type RoomPush = {
  [E in ServerEvent]: { event: E; payload: PushPayload<E> };
}[ServerEvent];

/** One push as a subscriber to every room sees it. */
export type Push = RoomPush & {
  topic: string;
  /**
   * The push repeats on this node what another node published: a transport that spans
   * nodes (Socket.IO's Redis adapter) has delivered it to this node's clients already.
   */
  remote: boolean;
};

type Listener<T> = (push: T) => void;

export class PushBus {
  private readonly subscribers = new Set<Listener<Push>>();
  private readonly watchers = new Map<string, Set<Listener<RoomPush>>>();

  /** Publishes a push made on this node. */
  readonly publish: Publish = (topic, event, payload) => {
    this.deliver({ topic, event, payload, remote: false } as Push);
  };

  /** Publishes, for this node's listeners, a push that another node made (see `Push.remote`). */
  relay<E extends ServerEvent>(topic: string, event: E, payload: PushPayload<E>): void {
    this.deliver({ topic, event, payload, remote: true } as Push);
  }

  /** Calls `listener` with every push until the returned function is called. */
  subscribe(listener: Listener<Push>): () => void {
    this.subscribers.add(listener);
    return () => void this.subscribers.delete(listener);
  }

  /** Calls `listener` with every push of one room until the returned function is called. */
  watch(room: string, listener: Listener<RoomPush>): () => void {
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

  /** Whether anything on this node watches the room. */
  isWatched(room: string): boolean {
    return this.watchers.has(roomTopic(room));
  }

  /** Watchers of one room, or of every room without one. */
  watcherCount(room?: string): number {
    if (room !== undefined) return this.watchers.get(roomTopic(room))?.size ?? 0;
    let total = 0;
    for (const set of this.watchers.values()) total += set.size;
    return total;
  }

  private deliver(push: Push): void {
    for (const listener of this.subscribers) listener(push);
    const set = this.watchers.get(push.topic);
    if (!set) return;
    const { event, payload } = push;
    // A copy: a watcher may stop watching (a stream ending on room:deleted) while we iterate.
    for (const listener of [...set]) listener({ event, payload } as RoomPush);
  }
}
