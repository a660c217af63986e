// Member-list pushes (`room:presence`) coalesced per room per tick, as message-list
// pushes are: however many people join or leave a room in one tick, its pages get one
// list, the newest, at the end of the tick. A thousand pages rejoining at once cost
// one member-list push per room per tick, not one per page. Every other push goes
// through at once and in order; notices are not merged, since each says who came or
// went. One timer serves every room, and a pending list holds only its payload.
import type { RoomPresencePush } from "../protocol";
import type { Publish } from "./push-bus";

/** Wraps `publish` so that room:presence pushes go out once per room per tick, the newest one. */
export function coalescePresence(publish: Publish): Publish {
  const pending = new Map<string, RoomPresencePush>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const due = [...pending];
    pending.clear();
    for (const [topic, payload] of due) publish(topic, "room:presence", payload);
  };
  return (topic, event, payload) => {
    if (event === "room:presence") {
      pending.set(topic, payload as RoomPresencePush);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return;
    }
    // A deleted room's last member list would follow its room:deleted.
    if (event === "room:deleted") pending.delete(topic);
    publish(topic, event, payload);
  };
}
