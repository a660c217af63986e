// GET /api/rooms for the whole cluster: the node asked lists its live public rooms
// and asks every other node for theirs through Socket.IO's adapter (serverSideEmit
// with acknowledgements, over Redis), then merges the lists (lib/rooms/room-list.ts).
// Each node reads its rooms' member counts from shared presence, so they count
// everyone in the room on every node. A node that does not answer within the
// adapter's request timeout is left out of that answer; on one node, or with no
// adapter between nodes, the list is this node's.
import type { Logger } from "../lib/logger";
import type { RoomSummary } from "../lib/protocol";
import type { RegistryManager } from "../lib/rooms/registry";
import { mergeRoomLists } from "../lib/rooms/room-list";
import type { ChatServer } from "./socket";

export function clusterRoomList(io: ChatServer, registry: RegistryManager, logger: Logger): () => Promise<RoomSummary[]> {
  io.on("rooms:list", (reply) => {
    registry.listEveryone().then(reply, (error: unknown) => {
      logger.warn("could not list this node's rooms for another node", { error: String(error) });
      reply([]);
    });
  });

  const otherNodes = async (): Promise<unknown[]> => {
    // Only an adapter that spans nodes carries server-side events (the in-memory one has one node).
    if ((await io.of("/").adapter.serverCount()) <= 1) return [];
    return new Promise((resolve) => {
      io.serverSideEmit("rooms:list", (error: Error | null, lists: unknown[]) => {
        if (error) logger.warn("a node did not say which rooms it has; listing the others'", { error: error.message });
        resolve(lists ?? []);
      });
    });
  };

  return async () => {
    const [own, others] = await Promise.all([
      registry.listEveryone(),
      otherNodes().catch((error: unknown) => {
        logger.warn("could not ask the other nodes for their rooms", { error: String(error) });
        return [];
      }),
    ]);
    return mergeRoomLists([own, ...others]);
  };
}
