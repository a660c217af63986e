// One watch of a room for the server's streaming adapters (SSE, gRPC Watch): the
// room's full list at once, again after every change, then the deletion if it
// comes, or the watcher's removal (a kick or ban of the person watching, made on any
// node). Pushes older than what the watcher already has are skipped; a list of the same
// seq is a change to a message in it (an edit, a reaction...) and goes out.
import type { RoomMessagesPush, RoomRemovedPush } from "../lib/protocol";
import { isNamed } from "../lib/rooms/keeping";
import type { RegistryManager } from "../lib/rooms/registry";
import type { Actor } from "../lib/rooms/roles";

export interface RoomWatcher {
  messages(push: RoomMessagesPush): void;
  /** The room was deleted; the watch has ended already. */
  deleted(): void;
  /** The person watching was kicked or banned from the room; the watch has ended already. */
  removed(push: RoomRemovedPush): void;
}

export interface WatchDeps {
  registry: RegistryManager;
}

/**
 * Starts watching for `who` (the person the room let in, or the admin token's holder,
 * whom nobody removes); resolves with the function that ends the watch and frees its
 * subscription.
 */
export async function watchRoom(deps: WatchDeps, room: string, who: Actor, watcher: RoomWatcher): Promise<() => void> {
  let lastSeq = -1;
  let ended = false;
  const show = (push: RoomMessagesPush) => {
    if (ended || push.seq < lastSeq) return;
    lastSeq = push.seq;
    watcher.messages(push);
  };
  // Subscribe before reading the list, so no change falls between the two.
  const unsubscribe = deps.registry.watch(room, (push) => {
    if (ended) return;
    if (push.event === "room:messages") show(push.payload);
    if (push.event === "room:deleted") {
      end();
      watcher.deleted();
    }
    if (push.event === "room:removed" && who !== "admin" && isNamed(who, push.payload.username, push.payload.guest)) {
      end();
      watcher.removed(push.payload);
    }
  });
  const end = () => {
    ended = true;
    unsubscribe();
  };
  try {
    const messages = await deps.registry.messages(room);
    show({ room, messages, seq: messages.at(-1)?.seq ?? 0 });
  } catch (error) {
    end();
    throw error;
  }
  return end;
}
