// Loads livechat.proto (the gRPC contract kept beside this file) for the server
// and for Node clients, with the field shapes the rest of the code expects:
// camelCase names, 64-bit numbers as numbers, defaults filled in.
import { fileURLToPath } from "node:url";
import { loadPackageDefinition, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import type { Message } from "../../lib/protocol";

const PROTO_PATH = fileURLToPath(new URL("./livechat.proto", import.meta.url));

/** Metadata keys of the contract. */
export const METADATA = {
  authorization: "authorization",
  guestName: "livechat-name",
  errorCode: "livechat-error-code",
} as const;

export function loadChatService(): ServiceClientConstructor {
  const definition = loadSync(PROTO_PATH, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
  const root = loadPackageDefinition(definition) as unknown as { livechat: { v1: { Chat: ServiceClientConstructor } } };
  return root.livechat.v1.Chat;
}

/**
 * A message as it travels over gRPC: proto3 has no absent fields, so `clientId`,
 * `editedAt` are empty, `replyTo` 0, `deleted`/`pinned` false and the lists empty when unset.
 */
export type WireMessage = Omit<Message, "clientId" | "highlight" | "editedAt" | "deleted" | "replyTo" | "reactions" | "reactionTags" | "pinned"> & {
  clientId: string;
  highlight: Array<{ start: number; end: number }>;
  editedAt: string;
  deleted: boolean;
  replyTo: number;
  reactions: Array<{ emoji: string; users: string[] }>;
  pinned: boolean;
};

export interface WireRoomMessages {
  room: string;
  messages: WireMessage[];
  seq: number;
}

export type WireWatchEvent =
  | { event: "messages"; messages: WireRoomMessages }
  | { event: "deleted"; deleted: { room: string } };
