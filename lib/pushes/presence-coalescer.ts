// Member-list pushes (`room:presence`) coalesced per room, as message-list pushes are:
// however many people join or leave a room in one tick, its pages get one list, the
// newest, at the end of the tick. A thousand pages rejoining at once cost one
// member-list push per room per tick, not one per page.
//
// A big room's list is also spaced out in time: after one goes out, the next waits
// MS_PER_MEMBER per member listed (at most MAX_SPACING_MS), holding the newest. With
// several nodes each join completes in a tick of its own (presence is a Redis round
// trip), so ticks alone merged nothing: 1,000 people joining one room over four nodes
// sent each member about 350 lists of up to 1,000 names (7 MB), past the slow-consumer
// bound. Spaced so, a list costs each member about 30 KB a second at most per node,
// whatever the room's size, and a room of a few people still gets its list at once.
//
// Every other push goes through at once and in order; notices are not merged, since
// each says who came or went.
import type { RoomPresencePush } from "../protocol";
import type { Publish } from "./push-bus";

export const MS_PER_MEMBER = 1;
export const MAX_SPACING_MS = 1000;

interface Held {
  payload: RoomPresencePush;
  timer: NodeJS.Timeout;
}

/** Wraps `publish` so that room:presence pushes go out at most once per room per tick and per spacing, the newest one. */
export function coalescePresence(publish: Publish): Publish {
  /** Lists due at the end of this tick. */
  const pending = new Map<string, RoomPresencePush>();
  /** Lists waiting for their room's spacing to pass. */
  const held = new Map<string, Held>();
  /** Until when each room's last list keeps the next one waiting. */
  const quietUntil = new Map<string, number>();
  let scheduled = false;
  let prunedAt = 0;

  const send = (topic: string, payload: RoomPresencePush) => {
    quietUntil.set(topic, Date.now() + Math.min(MAX_SPACING_MS, payload.members.length * MS_PER_MEMBER));
    publish(topic, "room:presence", payload);
  };
  const flush = () => {
    scheduled = false;
    const due = [...pending];
    pending.clear();
    for (const [topic, payload] of due) send(topic, payload);
    const now = Date.now();
    if (now - prunedAt < MAX_SPACING_MS) return;
    prunedAt = now;
    for (const [topic, until] of quietUntil) if (until <= now) quietUntil.delete(topic);
  };
  const drop = (topic: string) => {
    pending.delete(topic);
    clearTimeout(held.get(topic)?.timer);
    held.delete(topic);
  };

  return (topic, event, payload) => {
    if (event === "room:presence") {
      const list = payload as RoomPresencePush;
      const waiting = held.get(topic);
      if (waiting) {
        waiting.payload = list;
        return;
      }
      const wait = (quietUntil.get(topic) ?? 0) - Date.now();
      if (wait > 0 && !pending.has(topic)) {
        const entry: Held = {
          payload: list,
          timer: setTimeout(() => {
            held.delete(topic);
            send(topic, entry.payload);
          }, wait),
        };
        // A list still waiting when the server stops has no one left to tell.
        entry.timer.unref();
        held.set(topic, entry);
        return;
      }
      pending.set(topic, list);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return;
    }
    // A deleted room's last member list would follow its room:deleted.
    if (event === "room:deleted") drop(topic);
    publish(topic, event, payload);
  };
}
