// Which connections of this node watch which rooms (`rooms:watch`), and the small
// `room:activity` they get for each new message of a room they watch but have not
// joined. A watched room stays live on this node and follows a shared store, so each
// node tells its own watchers of messages stored through any node. The room's full
// list is never sent to a watcher: one list push of the room becomes one activity per
// new message, sent once to all its watchers by the transport.
import { mentionedNames } from "../mentions";
import type { RoomActivityPush } from "../protocol";
import type { RegistryManager } from "../rooms/registry";

/** At most this many rooms in one connection's watch set. */
export const MAX_WATCHED_ROOMS = 100;

/** How the transport delivers activity: to every watcher of the room but the mentioned ones, and to those. */
export interface ActivitySink {
  (push: Omit<RoomActivityPush, "mention">, mentionedConnections: readonly string[]): void;
}

interface Watched {
  /** Watching connection -> its person's name, lower-cased. */
  watchers: Map<string, string>;
  /** The newest seq told, or undefined until known. */
  lastSeq: number | undefined;
  unwatch: () => void;
}

export class RoomWatches {
  private readonly rooms = new Map<string, Watched>();
  private readonly byConnection = new Map<string, Set<string>>();
  private sink: ActivitySink | undefined;

  constructor(private readonly registry: RegistryManager) {}

  /** The transport that delivers `room:activity` (one per node). */
  deliverTo(sink: ActivitySink): void {
    this.sink = sink;
  }

  /** Replaces the rooms the connection watches. */
  set(connectionId: string, username: string, rooms: readonly string[]): void {
    const wanted = new Set(rooms);
    const before = this.byConnection.get(connectionId) ?? new Set<string>();
    for (const room of before) if (!wanted.has(room)) this.remove(connectionId, room);
    for (const room of wanted) this.add(connectionId, username.toLowerCase(), room);
    if (wanted.size === 0) this.byConnection.delete(connectionId);
    else this.byConnection.set(connectionId, wanted);
  }

  /** The connection is gone. */
  drop(connectionId: string): void {
    this.set(connectionId, "", []);
  }

  /** Rooms one connection watches (for tests and counts). */
  watchedBy(connectionId: string): string[] {
    return [...(this.byConnection.get(connectionId) ?? [])];
  }

  /** Connections of this node watching the room. */
  watcherCount(room: string): number {
    return this.rooms.get(room)?.watchers.size ?? 0;
  }

  close(): void {
    for (const watched of this.rooms.values()) watched.unwatch();
    this.rooms.clear();
    this.byConnection.clear();
  }

  private add(connectionId: string, name: string, room: string): void {
    let watched = this.rooms.get(room);
    if (!watched) {
      const entry: Watched = { watchers: new Map(), lastSeq: undefined, unwatch: () => {} };
      entry.unwatch = this.registry.watch(room, (push) => {
        if (push.event === "room:messages") this.told(room, entry, push.payload.messages, push.payload.seq);
        if (push.event === "room:deleted") entry.lastSeq = 0;
      });
      this.rooms.set(room, entry);
      watched = entry;
      // Where the room stands now: only messages after it are activity.
      void this.registry.history(room, 1).then(
        (newest) => (entry.lastSeq ??= newest.at(-1)?.seq ?? 0),
        () => (entry.lastSeq ??= 0),
      );
    }
    watched.watchers.set(connectionId, name);
  }

  private remove(connectionId: string, room: string): void {
    const watched = this.rooms.get(room);
    if (!watched?.watchers.delete(connectionId)) return;
    if (watched.watchers.size > 0) return;
    watched.unwatch();
    this.rooms.delete(room);
  }

  private told(room: string, watched: Watched, messages: readonly { seq: number; username: string; content: string }[], seq: number): void {
    const from = watched.lastSeq;
    watched.lastSeq = Math.max(from ?? 0, seq);
    if (from === undefined || !this.sink) return;
    for (const message of messages) {
      if (message.seq <= from) continue;
      const named = message.content.includes("@") ? new Set(mentionedNames(message.content)) : undefined;
      const mentioned: string[] = [];
      if (named) for (const [connectionId, name] of watched.watchers) if (named.has(name)) mentioned.push(connectionId);
      this.sink({ room, seq: message.seq, username: message.username }, mentioned);
    }
  }
}
