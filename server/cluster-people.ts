// Who is connected to a room on the other nodes, for a keeper's change made on this
// one: a guest's session and anyone's address are known only on the node its
// connection is on, and a ban, a mute (of the person named) or a room made private
// (everyone in it stays a member) is kept under them. The node asked answers with its
// connections to the room (lib/rooms/keeping.ts, Sighting), through Socket.IO's adapter
// (serverSideEmit with acknowledgements, over Redis). A node that does not answer
// within the adapter's request timeout is left out; on one node, or with no adapter
// between nodes, nobody is elsewhere.
import type { SightingsElsewhere } from "../lib/chat/owners";
import type { Logger } from "../lib/logger";
import type { Named, Sighting } from "../lib/rooms/keeping";
import type { RegistryManager } from "../lib/rooms/registry";
import type { ChatServer } from "./socket";

/** What a node asks the others: the connections to a room of the person named, or of everyone. */
export interface SightingsQuery {
  room: string;
  named?: Named;
}

export function clusterSightings(io: ChatServer, registry: RegistryManager, logger: Logger): SightingsElsewhere {
  io.on("room:sightings", ({ room, named }, reply) => reply(registry.sightings(room, named)));

  return async (room, named) => {
    // Only an adapter that spans nodes carries server-side events (the in-memory one has one node).
    if ((await io.of("/").adapter.serverCount()) <= 1) return [];
    return new Promise((resolve) => {
      io.serverSideEmit("room:sightings", { room, ...(named ? { named } : {}) }, (error: Error | null, answers: Sighting[][]) => {
        if (error) logger.warn("a node did not say who it holds in the room; going on with the others' answers", { room, error: error.message });
        resolve((answers ?? []).flat());
      });
    });
  };
}
