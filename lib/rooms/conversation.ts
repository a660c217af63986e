// Who may change a room's messages, decided by the room's worker from its access
// (roles.ts) before the store applies the change (store/message-change.ts): authors
// edit and delete their own, keepers (owner, moderators, the admin token) delete any
// and pin; anyone who may post reacts. Also what a pin does to the room's settings.
import { ChatError } from "../errors";
import { authorKeyOf, type Author } from "../people";
import type { Message } from "../protocol";
import type { MessageChange, RoomSettingsRecord } from "../store/store";
import { admission, isKeeper, mayPost, standingIn, type RoomAccess } from "./roles";

/** Pinned messages a room lists at most: the side panel is a short list, not a second history. */
export const MAX_PINS = 50;

/** A change to one message and who asks; `address` is theirs, for bans and mutes by address. */
export type ChangeRequest = (
  | { kind: "edit"; content: string; by: Author }
  | { kind: "delete"; by: Author | "admin" }
  | { kind: "react"; emoji: string; on: boolean; by: Author }
  | { kind: "pin"; on: boolean; by: Author | "admin" }
) & { address?: string };

/** The store's change for a request, or `forbidden` for one the asker may not make. */
export function messageChange(access: RoomAccess, room: string, request: ChangeRequest, now: Date): MessageChange {
  const { address } = request;
  switch (request.kind) {
    case "edit":
      mayPost(access, request.by, address, room);
      return { kind: "edit", content: request.content, at: now.toISOString(), author: ownKey(request.by) };
    case "delete": {
      const { by } = request;
      if (by !== "admin") admission(access, by, address, room);
      // A keeper's delete names no author: any message of the room may go.
      if (isKeeper(standingIn(access, by))) return { kind: "delete" };
      return { kind: "delete", author: ownKey(by as Author) };
    }
    case "react": {
      mayPost(access, request.by, address, room);
      const key = authorKeyOf(request.by);
      if (key === undefined) throw new ChatError("forbidden", "Only people with a session or a connection can react.");
      return { kind: "react", emoji: request.emoji, on: request.on, person: { key, username: request.by.username } };
    }
    case "pin":
      if (!isKeeper(standingIn(access, request.by))) throw new ChatError("forbidden", "Only the room's owner and moderators can pin messages.");
      if (request.on && access.settings.pinned.length >= MAX_PINS) {
        throw new ChatError("forbidden", `A room lists at most ${MAX_PINS} pinned messages; unpin one first.`);
      }
      return { kind: "pin", on: request.on };
    default: {
      const unknown: never = request;
      throw new Error(`Unknown message change ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * The settings with `message` listed as pinned or not, as it now is (a deleted message is
 * no longer pinned); undefined when the list already says so.
 */
export function pinnedAfter(settings: RoomSettingsRecord, message: Message): RoomSettingsRecord | undefined {
  const listed = settings.pinned.includes(message.seq);
  if (listed === (message.pinned === true)) return undefined;
  const pinned = listed ? settings.pinned.filter((seq) => seq !== message.seq) : [...settings.pinned, message.seq].sort((a, b) => a - b);
  return { ...settings, pinned };
}

/** The key an author's own messages are kept under; a guest without one owns nothing ("" is no message's author). */
function ownKey(by: Author): string {
  return authorKeyOf(by) ?? "";
}
