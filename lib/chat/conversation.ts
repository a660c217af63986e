// The conversation's operations on stored messages (edit, delete, react, pin), as the
// chat service runs them for every transport: parse the payload, spend one of the
// caller's sends (a change costs the store what a message costs), then hand the
// change to the room's worker, which decides with the room's roles and the store
// whose message it is and who may (lib/rooms/conversation.ts).
import { ChatError } from "../errors";
import { normalizeContent, normalizeRoomName } from "../names";
import { parsePayload } from "../payloads";
import { withoutSession, type Person } from "../people";
import type { Message } from "../protocol";
import { normalizeReactionEmoji } from "../reaction-emoji";
import type { RegistryManager } from "../rooms/registry";
import type { Caller } from "./caller";

/** What these operations need of the service. */
export interface ConversationContext {
  registry: RegistryManager;
  /** The person asking. */
  personOf(caller: Caller): Promise<Person>;
  /** The admin token's holder, or the person asking. */
  actorOf(caller: Caller): Promise<Person | "admin">;
  /** Takes one of the caller's sends, or throws rate_limited. */
  spend(caller: Caller): Promise<void>;
}

/** Its author edits a message; `invalid_message` for content a send would refuse. */
export async function editMessage(ctx: ConversationContext, caller: Caller, payload: unknown): Promise<Message> {
  const { room, seq, content } = parsePayload("edit", payload);
  const request = { kind: "edit", content: normalizeContent(content), address: caller.address } as const;
  const name = normalizeRoomName(room);
  await ctx.spend(caller);
  return ctx.registry.changeMessage(name, seq, { ...request, by: await ctx.personOf(caller) });
}

/** Its author, the room's owner and moderators, and the admin delete a message: it becomes a tombstone. */
export async function deleteMessage(ctx: ConversationContext, caller: Caller, payload: unknown): Promise<Message> {
  const { room, seq } = parsePayload("messageRef", payload);
  const name = normalizeRoomName(room);
  await ctx.spend(caller);
  return ctx.registry.changeMessage(name, seq, { kind: "delete", by: await ctx.actorOf(caller), address: caller.address });
}

/**
 * Anyone who may post in the room adds (`on`) or takes back one emoji on a message.
 * A guest known only for this one request (HTTP or gRPC without a guest session) is
 * refused: it would be a new person at every call, and could pile up reactions.
 */
export async function react(ctx: ConversationContext, caller: Caller, payload: unknown): Promise<Message> {
  const { room, seq, emoji, on } = parsePayload("react", payload);
  const name = normalizeRoomName(room);
  const request = { kind: "react", emoji: normalizeReactionEmoji(emoji), on, address: caller.address } as const;
  await ctx.spend(caller);
  const person = await ctx.personOf(caller);
  if (withoutSession(person) && caller.credentials.kind !== "connection") {
    throw new ChatError("forbidden", "React from a guest session (GET /api/auth/me begins one) or a connection, so a reaction can be taken back.");
  }
  return ctx.registry.changeMessage(name, seq, { ...request, by: person });
}

/** The room's owner and moderators (and the admin) pin a message or unpin it; settings.pinned follows. */
export async function pin(ctx: ConversationContext, caller: Caller, payload: unknown): Promise<Message> {
  const { room, seq, on } = parsePayload("pin", payload);
  const name = normalizeRoomName(room);
  await ctx.spend(caller);
  return ctx.registry.changeMessage(name, seq, { kind: "pin", on, by: await ctx.actorOf(caller), address: caller.address });
}
