// How a change to a stored message is applied, once for every store: the rules
// (author-only edits, no edits of a tombstone) and the shape of the result (a delete
// leaves no copy of the old text). Pure: each store reads, applies, and writes back
// atomically in its own way.
import { ChatError } from "../errors";
import type { KeptMessage, MessageChange } from "./store";

/** The message after the change, a new object; throws not_found or forbidden. */
export function applyChange(kept: KeptMessage, change: MessageChange): KeptMessage {
  if (kept.deleted) {
    if (change.kind === "delete" && (change.author === undefined || change.author === kept.author)) return kept;
    throw new ChatError("not_found", `Message ${kept.seq} was deleted.`);
  }
  if (change.author !== undefined && change.author !== kept.author) {
    throw new ChatError("forbidden", change.kind === "edit" ? "Only its author can edit a message." : "Only its author or the room's keepers can delete a message.");
  }
  switch (change.kind) {
    case "edit":
      return { ...kept, content: change.content, editedAt: change.at };
    case "delete": {
      // Only what identifies the message and its place stays: the text, and everything
      // that quoted or decorated it, is gone.
      const tombstone: KeptMessage = {
        id: kept.id,
        room: kept.room,
        seq: kept.seq,
        username: kept.username,
        guest: kept.guest,
        content: "",
        sentAt: kept.sentAt,
        deleted: true,
      };
      if (kept.tag !== undefined) tombstone.tag = kept.tag;
      if (kept.clientId !== undefined) tombstone.clientId = kept.clientId;
      if (kept.author !== undefined) tombstone.author = kept.author;
      return tombstone;
    }
    default: {
      const unknown: never = change;
      throw new Error(`Unknown message change ${JSON.stringify(unknown)}`);
    }
  }
}

export function noSuchMessage(room: string, seq: number): ChatError {
  return new ChatError("not_found", `Room "${room}" has no message ${seq}.`);
}
