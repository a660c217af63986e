// What a node tells the other nodes about one room, besides Socket.IO's pushes (who is
// typing): one Redis sharded pub/sub channel per room and kind (SPUBLISH, SSUBSCRIBE).
// A node subscribes to a room's channel while it has connections in the room, so it
// receives the changes of its own rooms only and its Redis traffic grows with them, not
// with the whole cluster's. On a Redis Cluster each channel lives on the master of its
// slot, so the rooms spread over the masters as their keys do.
import { randomUUID } from "node:crypto";
import type { RedisClient } from "../store/redis-connection";

/** One kind of change, per room, between nodes. */
export interface RoomChannel<T> {
  /** Starts receiving the room's changes (this node has connections in it). */
  follow(room: string): void;
  /** Stops receiving them. */
  unfollow(room: string): void;
  /** Tells the nodes that follow the room; a failure (Redis away) drops the change: changes are transient. */
  publish(room: string, change: T): void;
  close(): void;
}

/** Opens a room channel of one kind (each kind is opened once per node). */
export interface RoomChannels {
  open<T>(kind: string, parse: (value: unknown) => T | undefined, receive: (change: T) => void): RoomChannel<T>;
}

export interface RoomChannelOptions<T> {
  /** Commands connection (SPUBLISH). */
  publisher: RedisClient;
  /** A connection in subscriber mode (SSUBSCRIBE); shared with others, who ignore channels not theirs. */
  subscriber: RedisClient;
  /** Start of every channel's name: the key prefix and the kind. */
  prefix: string;
  /** The change as received, checked: another node sent it, but it crossed a network. */
  parse(value: unknown): T | undefined;
  receive(change: T): void;
}

export function openRoomChannel<T>(options: RoomChannelOptions<T>): RoomChannel<T> {
  const { publisher, subscriber, prefix } = options;
  const followed = new Set<string>();
  // A node following a room hears its own publications too: they carry its id, and it skips them.
  const origin = randomUUID();
  const channelOf = (room: string) => `${prefix}${room}`;
  const onMessage = (channel: string, message: string) => {
    if (!channel.startsWith(prefix) || !followed.has(channel.slice(prefix.length))) return;
    let envelope: unknown;
    try {
      envelope = JSON.parse(message);
    } catch {
      return;
    }
    if (typeof envelope !== "object" || envelope === null) return;
    const { from, change } = envelope as { from?: unknown; change?: unknown };
    if (from === origin) return;
    const parsed = options.parse(change);
    if (parsed !== undefined) options.receive(parsed);
  };
  subscriber.on("smessage", onMessage);
  // With no offline queue a call made while Redis is away rejects; ioredis subscribes
  // again to what it held once it is back, and a missed change is repaired by the next.
  const quietly = (call: () => Promise<unknown>) => void call().catch(() => undefined);
  return {
    follow(room) {
      if (followed.has(room)) return;
      followed.add(room);
      quietly(() => subscriber.ssubscribe(channelOf(room)));
    },
    unfollow(room) {
      if (!followed.delete(room)) return;
      quietly(() => subscriber.sunsubscribe(channelOf(room)));
    },
    publish(room, change) {
      quietly(() => publisher.spublish(channelOf(room), JSON.stringify({ from: origin, change })));
    },
    close() {
      subscriber.off("smessage", onMessage);
      for (const room of followed) quietly(() => subscriber.sunsubscribe(channelOf(room)));
      followed.clear();
    },
  };
}
