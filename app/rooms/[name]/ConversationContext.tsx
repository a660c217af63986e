// What the conversation's controls in each message (reply quote, reactions, actions)
// need of the room page, handed down once through context rather than through every
// list and item in between.
import { createContext, useContext } from "react";
import type { ErrorBody, Identity, Message } from "@/lib/protocol";
import type { AskEvent } from "./useRoomSocket";

export interface Conversation {
  you: Identity | null;
  /** The room's owner or a moderator: may pin, and delete anyone's message. */
  keeper: boolean;
  /** A message the page holds, by seq. */
  find(seq: number): Message | undefined;
  /** Starts a reply to the message (the composer shows what it answers). */
  replyTo(message: Message): void;
  /** Shows the message in the log, loading older history first when it is not loaded. */
  reveal(seq: number): void;
  /** Asks the server for a change; answers its refusal, if any. */
  ask(event: AskEvent, payload: object): Promise<ErrorBody | null>;
}

const ConversationContext = createContext<Conversation | null>(null);

export const ConversationProvider = ConversationContext.Provider;

/** The room's conversation controls; null outside a room page (a search result's context list has none). */
export function useConversation(): Conversation | null {
  return useContext(ConversationContext);
}
