// Room pushes for the server's own watchers (SSE streams, gRPC Watch calls): a small
// in-process pub/sub keyed by topic. The composition root feeds it every push it
// hands to Socket.IO, so each adapter sees the same pushes in the same order.
import type { ServerEvent, ServerToClientEvents } from "../lib/protocol";

export type RoomEvent = {
  [E in ServerEvent]: { event: E; payload: Parameters<ServerToClientEvents[E]>[0] };
}[ServerEvent];

export type RoomEventListener = (push: RoomEvent) => void;

export class RoomEvents {
  private readonly listeners = new Map<string, Set<RoomEventListener>>();

  /** Calls `listener` with every push to `topic` until the returned function is called. */
  subscribe(topic: string, listener: RoomEventListener): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(topic);
      if (!current?.delete(listener)) return;
      if (current.size === 0) this.listeners.delete(topic);
    };
  }

  publish(topic: string, push: RoomEvent): void {
    const set = this.listeners.get(topic);
    if (!set) return;
    // A copy: a listener may unsubscribe (a stream closing on room:deleted) while we iterate.
    for (const listener of [...set]) listener(push);
  }

  /** Watchers of one topic, or of every topic without one: what a client going away must free. */
  count(topic?: string): number {
    if (topic !== undefined) return this.listeners.get(topic)?.size ?? 0;
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }
}
