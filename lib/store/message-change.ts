// How a change to a stored message is applied, once for every store: the rules
// (author-only edits, nothing changes a tombstone, at most MAX_REACTIONS emoji, a
// toggle that changes nothing) and the shape of the result (a delete leaves no copy
// of the old text, nor the reactions, pin and reply that decorated it). Pure: each
// store reads, applies, and writes back atomically in its own way.
import { ChatError } from "../errors";
import { shownTagOf } from "../people";
import type { Message } from "../protocol";
import type { KeptMessage, KeptReaction, MessageChange } from "./store";

/** Distinct emoji one message may carry. */
export const MAX_REACTIONS = 20;

/**
 * The message after the change, a new object; the very `kept` object when the change
 * changes nothing (a toggle already in place, a second delete): the store then writes
 * nothing. Throws not_found or forbidden.
 */
export function applyChange(kept: KeptMessage, change: MessageChange): KeptMessage {
  if (kept.deleted) {
    if (change.kind === "delete" && (change.author === undefined || change.author === kept.author)) return kept;
    throw new ChatError("not_found", `Message ${kept.seq} was deleted.`);
  }
  switch (change.kind) {
    case "edit":
      if (change.author !== kept.author) throw new ChatError("forbidden", "Only its author can edit a message.");
      return { ...kept, content: change.content, editedAt: change.at };
    case "delete":
      if (change.author !== undefined && change.author !== kept.author) {
        throw new ChatError("forbidden", "Only its author or the room's owner and moderators can delete a message.");
      }
      return tombstone(kept);
    case "react":
      return react(kept, change);
    case "pin": {
      if ((kept.pinned === true) === change.on) return kept;
      const { pinned: _pinned, ...rest } = kept;
      return change.on ? { ...rest, pinned: true } : rest;
    }
    default: {
      const unknown: never = change;
      throw new Error(`Unknown message change ${JSON.stringify(unknown)}`);
    }
  }
}

/** Only what identifies the message and its place stays: its text and everything that decorated it are gone. */
function tombstone(kept: KeptMessage): KeptMessage {
  const gone: KeptMessage = {
    id: kept.id,
    room: kept.room,
    seq: kept.seq,
    username: kept.username,
    guest: kept.guest,
    content: "",
    sentAt: kept.sentAt,
    deleted: true,
  };
  if (kept.tag !== undefined) gone.tag = kept.tag;
  if (kept.clientId !== undefined) gone.clientId = kept.clientId;
  if (kept.author !== undefined) gone.author = kept.author;
  return gone;
}

function react(kept: KeptMessage, change: Extract<MessageChange, { kind: "react" }>): KeptMessage {
  const { emoji, on, person } = change;
  const reactions = kept.reactions ?? [];
  const at = reactions.findIndex((reaction) => reaction.emoji === emoji);
  const current = reactions[at];
  const has = current?.keys.includes(person.key) === true;
  if (has === on) return kept;
  let next: KeptReaction[];
  if (on) {
    if (!current && reactions.length >= MAX_REACTIONS) {
      throw new ChatError("forbidden", `A message carries at most ${MAX_REACTIONS} different emoji; react with one of those.`);
    }
    const grown: KeptReaction = current
      ? { emoji, users: [...current.users, person.username], keys: [...current.keys, person.key] }
      : { emoji, users: [person.username], keys: [person.key] };
    next = current ? reactions.map((reaction, i) => (i === at ? grown : reaction)) : [...reactions, grown];
  } else {
    const left = current!.keys.flatMap((key, i) => (key === person.key ? [] : [i]));
    const shrunk: KeptReaction = { emoji, users: left.map((i) => current!.users[i]!), keys: left.map((i) => current!.keys[i]!) };
    next = shrunk.keys.length === 0 ? reactions.filter((_, i) => i !== at) : reactions.map((reaction, i) => (i === at ? shrunk : reaction));
  }
  const { reactions: _reactions, ...rest } = kept;
  return next.length > 0 ? { ...rest, reactions: next } : rest;
}

/**
 * The reactions as clients see them: who reacted by name, and beside them each guest's
 * tag (`reactionTags`), so a page tells its own reaction from a same-named guest's;
 * never by key.
 */
export function wireReactions(reactions: readonly KeptReaction[]): Required<Pick<Message, "reactions" | "reactionTags">> {
  return {
    reactions: reactions.map(({ emoji, users }) => ({ emoji, users: [...users] })),
    reactionTags: reactions.map(({ keys }) => keys.map(shownTagOf)),
  };
}

export function noSuchMessage(room: string, seq: number): ChatError {
  return new ChatError("not_found", `Room "${room}" has no message ${seq}.`);
}
