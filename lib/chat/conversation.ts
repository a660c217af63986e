// The conversation's operations on stored messages (edit, delete), as the chat service
// runs them for every transport: parse the payload, then hand the change to the room's
// worker, which decides with the store whose message it is.
import { normalizeContent, normalizeRoomName } from "../names";
import { parsePayload } from "../payloads";
import type { Person } from "../people";
import type { Message } from "../protocol";
import type { RegistryManager } from "../rooms/registry";

/** Its author edits a message; `invalid_message` for content a send would refuse. */
export function editMessage(registry: RegistryManager, by: Person, payload: unknown): Promise<Message> {
  const { room, seq, content } = parsePayload("edit", payload);
  return registry.changeMessage(normalizeRoomName(room), seq, { kind: "edit", content: normalizeContent(content), by });
}

/** Its author, the room's owner and moderators, and the admin delete a message: it becomes a tombstone. */
export function deleteMessage(registry: RegistryManager, by: Person | "admin", payload: unknown): Promise<Message> {
  const { room, seq } = parsePayload("messageRef", payload);
  return registry.changeMessage(normalizeRoomName(room), seq, { kind: "delete", by });
}
