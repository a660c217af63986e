// Who is typing, between nodes: each room's changes go on the room's own channel
// (lib/pushes/room-channels.ts), which a node follows while Socket.IO holds a
// connection of it in the room. A node hears the typing of its own rooms only, and a
// node that has no one in a room has no list of it to push.
import type { TypingBoard, TypingChange } from "../lib/chat/typing";
import { roomTopic } from "../lib/protocol";
import type { RoomChannel, RoomChannels } from "../lib/pushes/room-channels";
import type { ChatServer } from "./socket";

const TOPIC_PREFIX = roomTopic("");

/** Shares the board's changes with the nodes in the same rooms; the returned channel publishes them. */
export function shareTypingByRoom(io: ChatServer, channels: RoomChannels, typing: TypingBoard): RoomChannel<TypingChange> {
  const channel = channels.open("typing", parseTypingChange, (change) => typing.apply(change));
  // The adapter says when this node's first connection enters a topic and its last leaves it.
  const adapter = io.of("/").adapter;
  adapter.on("create-room", (topic: unknown) => {
    if (typeof topic === "string" && topic.startsWith(TOPIC_PREFIX)) channel.follow(topic.slice(TOPIC_PREFIX.length));
  });
  adapter.on("delete-room", (topic: unknown) => {
    if (typeof topic === "string" && topic.startsWith(TOPIC_PREFIX)) channel.unfollow(topic.slice(TOPIC_PREFIX.length));
  });
  return channel;
}

function parseTypingChange(value: unknown): TypingChange | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { room, username, typing } = value as Record<string, unknown>;
  if (typeof room !== "string" || typeof username !== "string" || typeof typing !== "boolean") return undefined;
  return { room, username, typing };
}
