// How the rooms' pushes reach Socket.IO clients: one subscription to the registry's
// push bus. Every node's worker keeps its room's list in the store's order and pushes
// it to its own node's sockets (relaying lists between nodes could hand a page an older
// list last), and so each changed message, and every node's typing board its own
// sockets; presence, notices and deletions go to every node's sockets through the
// adapter (Redis with several nodes).
import { coalescePresence } from "../lib/pushes/presence-coalescer";
import type { PushBus } from "../lib/pushes/push-bus";
import type { ChatServer } from "./socket";

/**
 * Sends every push of `pushes` to its topic's sockets; returns the function that stops it.
 * Member lists go out once per room per tick (a reconnect storm's rejoins would push one
 * each); everything else at once.
 */
export function relayPushes(io: ChatServer, pushes: PushBus): () => void {
  const emit = coalescePresence((topic, event, payload) => {
    // Every node's worker keeps the list (and pushes each changed message) and every node's
    // board the typists: each tells its own sockets.
    const target = event === "room:messages" || event === "room:message" || event === "room:typing" ? io.local : io;
    // Pushes are typed per event already; Socket.IO's emit cannot follow a union of events.
    (target.to(topic) as { emit(event: string, payload: unknown): boolean }).emit(event, payload);
    // A deleted room has no one in it any more; its pages were told and rejoin on purpose.
    if (event === "room:deleted") io.in(topic).socketsLeave(topic);
  });
  return pushes.subscribe(({ topic, event, payload, remote }) => {
    // The node that made it has sent it to every node's sockets already. A removal goes
    // to the removed person's connections alone (server/socket.ts), never to the topic.
    if (!remote && event !== "room:removed") emit(topic, event, payload);
  });
}
