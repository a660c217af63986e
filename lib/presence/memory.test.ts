// The in-memory presence against the presence contract.
import { MemoryPresence } from "./memory";
import { describePresence } from "./presence.contract";

describePresence("MemoryPresence", () => {
  const rooms = new Map<string, MemoryPresence>();
  return {
    forRoom: (room) => {
      let presence = rooms.get(room);
      if (!presence) rooms.set(room, (presence = new MemoryPresence()));
      return presence;
    },
    close: async () => {},
  };
});
