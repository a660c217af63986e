// The gRPC adapter: the livechat.v1.Chat service (livechat.proto). Each call's
// caller is read off its metadata and peer, handed with the request to the chat
// service, and answered; contract errors become gRPC status codes with the
// contract's code in the trailing metadata.
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
} from "@grpc/grpc-js";
import { sealSession, unsealSession, type SessionSecrets } from "../../lib/accounts/session";
import type { Caller } from "../../lib/chat/caller";
import type { ChatService } from "../../lib/chat/service";
import { ChatError, toErrorBody } from "../../lib/errors";
import type { Logger } from "../../lib/logger";
import type { ErrorCode, Message, RoomRemovedPush, RoomSettings } from "../../lib/protocol";
import type { RegistryManager } from "../../lib/rooms/registry";
import { ConfigError, type Config } from "../config";
import { watchRoom } from "../watch-room";
import { loadChatService, METADATA, type WireMessage, type WireWatchEvent } from "./proto";

export interface GrpcDeps {
  config: Config;
  chat: ChatService;
  registry: RegistryManager;
  sessionSecrets: SessionSecrets;
  logger: Logger;
}

export interface GrpcAdapter {
  port: number;
  /** Open Watch streams. */
  readonly watches: number;
  close(): Promise<void>;
}

const STATUS: Record<ErrorCode, status> = {
  invalid_room: status.INVALID_ARGUMENT,
  invalid_message: status.INVALID_ARGUMENT,
  invalid_payload: status.INVALID_ARGUMENT,
  not_joined: status.FAILED_PRECONDITION,
  name_taken: status.ALREADY_EXISTS,
  rate_limited: status.RESOURCE_EXHAUSTED,
  unauthorized: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  not_found: status.NOT_FOUND,
  room_unavailable: status.UNAVAILABLE,
  internal: status.INTERNAL,
};

const SHUTDOWN_GRACE_MS = 3_000;
const KEEPALIVE_MS = 30_000;
const KEEPALIVE_TIMEOUT_MS = 10_000;

type Request = Record<string, unknown>;

/** Starts the service on GRPC_PORT (0 picks a free port). */
export async function startGrpcServer(deps: GrpcDeps): Promise<GrpcAdapter> {
  const { config, chat, logger } = deps;
  // Pings find clients that vanished without closing, so their Watch streams are freed.
  const server = new Server({ "grpc.keepalive_time_ms": KEEPALIVE_MS, "grpc.keepalive_timeout_ms": KEEPALIVE_TIMEOUT_MS });
  const watches = new Set<ServerWritableStream<Request, WireWatchEvent>>();

  /** Who is calling: a session token, else a guest under `livechat-name`; the peer's address; the bearer, which may be the admin token. */
  function callerOf(metadata: Metadata, peer: string): Caller {
    const token = bearer(metadata);
    const guestName = text(metadata.get(METADATA.guestName)[0]);
    return {
      credentials: {
        kind: "token",
        ...(token !== undefined ? { session: () => unsealSession(token, deps.sessionSecrets) } : {}),
        ...(guestName !== undefined ? { guestName } : {}),
      },
      address: peer,
      ...(token !== undefined ? { bearer: token } : {}),
    };
  }

  function unary<Reply>(name: string, handle: (request: Request, caller: Caller) => Promise<Reply>) {
    return (call: ServerUnaryCall<Request, Reply>, callback: sendUnaryData<Reply>) => {
      handle(call.request, callerOf(call.metadata, peerAddress(call.getPeer()))).then(
        (reply) => callback(null, reply),
        (error: unknown) => callback(toServiceError(error, name, logger)),
      );
    };
  }

  server.addService(loadChatService().service, {
    Login: unary("Login", async (request, caller) => {
      const { user, session } = await chat.login(caller, request);
      return { user, token: await sealSession(session, deps.sessionSecrets) };
    }),

    Send: unary("Send", async (request, caller) => {
      const clientId = text(request.clientId);
      const replyTo = Number(request.replyTo) || undefined;
      const message = await chat.send(caller, {
        room: request.room,
        content: request.content,
        ...(clientId ? { clientId } : {}),
        ...(replyTo !== undefined ? { replyTo } : {}),
      });
      return { message: toWire(message) };
    }),

    // Conversation (v1.1): a seq of 0 (proto3's default) is refused as invalid_payload.
    Edit: unary("Edit", async (request, caller) => ({
      message: toWire(await chat.editMessage(caller, { room: request.room, seq: Number(request.seq), content: request.content })),
    })),
    Delete: unary("Delete", async (request, caller) => ({
      message: toWire(await chat.deleteMessage(caller, { room: request.room, seq: Number(request.seq) })),
    })),
    React: unary("React", async (request, caller) => ({
      message: toWire(await chat.react(caller, { room: request.room, seq: Number(request.seq), emoji: request.emoji, on: request.on })),
    })),
    Pin: unary("Pin", async (request, caller) => ({
      message: toWire(await chat.pin(caller, { room: request.room, seq: Number(request.seq), on: request.on })),
    })),

    History: unary("History", async (request, caller) => {
      const payload = { room: request.room, limit: Number(request.limit) || undefined, before: Number(request.beforeSeq) || undefined };
      return { messages: (await chat.history(caller, payload)).map(toWire) };
    }),

    // An empty room (proto3's default) searches every room the caller may read.
    Search: unary("Search", async (request, caller) => {
      const payload = {
        text: request.text,
        room: request.room || undefined,
        limit: Number(request.limit) || undefined,
        before: Number(request.beforeSeq) || undefined,
      };
      return { messages: (await chat.search(caller, payload)).map(toWire) };
    }),

    DeleteRoom: unary("DeleteRoom", async (request, caller) => {
      await chat.deleteRoom(caller, { room: request.room });
      return {};
    }),

    GetRoom: unary("GetRoom", async (request, caller) => {
      const { room, settings, members } = await chat.roomDetails(caller, { room: request.room });
      return { room, settings: settingsToWire(settings), members };
    }),

    Configure: unary("Configure", async (request, caller) => {
      // Fields left unset arrive undefined (proto3 optional), so only the ones set change.
      const settings = await chat.configure(caller, {
        room: request.room,
        ...(request.topic !== undefined && request.topic !== null ? { topic: request.topic } : {}),
        ...(request.visibility !== undefined && request.visibility !== null ? { visibility: request.visibility } : {}),
        ...(request.readOnly !== undefined && request.readOnly !== null ? { readOnly: request.readOnly } : {}),
        ...(request.slowModeS !== undefined && request.slowModeS !== null ? { slowModeS: request.slowModeS } : {}),
      });
      return { settings: settingsToWire(settings) };
    }),

    Moderate: unary("Moderate", async (request, caller) => {
      const reason = text(request.reason);
      const durationS = Number(request.durationS) || undefined;
      await chat.moderate(caller, {
        room: request.room,
        action: request.action,
        username: request.username,
        ...(reason !== undefined ? { reason } : {}),
        ...(durationS !== undefined ? { durationS } : {}),
        ...(request.address === true ? { address: true } : {}),
      });
      return {};
    }),

    MarkRead: unary("MarkRead", async (request, caller) => ({
      lastReadSeq: await chat.markRead(caller, { room: request.room, seq: Number(request.seq) }),
    })),

    MyRooms: unary("MyRooms", async (_request, caller) => ({ rooms: await chat.myRooms(caller) })),

    AddMyRoom: unary("AddMyRoom", async (request, caller) => {
      const notify = text(request.notify);
      return { rooms: await chat.addMyRoom(caller, { room: request.room, ...(notify !== undefined ? { notify } : {}) }) };
    }),

    RemoveMyRoom: unary("RemoveMyRoom", async (request, caller) => ({ rooms: await chat.removeMyRoom(caller, { room: request.room }) })),

    Watch: (call: ServerWritableStream<Request, WireWatchEvent>) => {
      let release: () => void;
      try {
        release = chat.admit(peerAddress(call.getPeer()));
      } catch (error) {
        return void call.emit("error", toServiceError(error, "Watch", logger));
      }
      let stop: (() => void) | undefined;
      const free = () => {
        stop?.();
        release();
        watches.delete(call);
      };
      call.once("cancelled", free);
      call.once("finish", free);
      // As over SSE: a client that reads slowly gets the newest list when it catches up.
      let newest: WireWatchEvent | undefined;
      const send = (event: WireWatchEvent) => {
        if (call.cancelled || !call.writable) return;
        if (event.event === "messages" && call.writableNeedDrain) {
          newest = event;
          return;
        }
        call.write(event);
      };
      call.on("drain", () => {
        const event = newest;
        newest = undefined;
        if (event) send(event);
      });
      watches.add(call);
      (async () => {
        const caller = callerOf(call.metadata, peerAddress(call.getPeer()));
        stop = await chat.watch(caller, { room: text(call.request.room) ?? "" }, (room, who) => watchRoom(deps, room, who, {
          messages: (push) => send({ event: "messages", messages: { ...push, messages: push.messages.map(toWire) } }),
          deleted: () => {
            newest = undefined;
            send({ event: "deleted", deleted: { room } });
            call.end();
          },
          // Kicked or banned: the stream ends as a refused Watch would (PERMISSION_DENIED, `forbidden`).
          removed: (push) => {
            free();
            call.emit("error", toServiceError(new ChatError("forbidden", removalSentence(push)), "Watch", logger));
          },
        }));
        if (call.cancelled || !watches.has(call)) stop();
      })().catch((error: unknown) => {
        free();
        call.emit("error", toServiceError(error, "Watch", logger));
      });
    },
  });

  const host = config.host ?? "0.0.0.0";
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(":") ? `[${host}]` : host}:${config.grpcPort}`, ServerCredentials.createInsecure(), (error, bound) =>
      error
        ? reject(new ConfigError(`gRPC cannot listen on port ${config.grpcPort} (${error.message}); stop what holds it or set GRPC_PORT to a free port.`))
        : resolve(bound),
    );
  });

  return {
    port,
    get watches() {
      return watches.size;
    },
    close: async () => {
      for (const call of watches) {
        call.emit("error", { code: status.UNAVAILABLE, details: "The server is shutting down; watch again." });
      }
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS).unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

function toServiceError(error: unknown, method: string, logger: Logger): Partial<ServiceError> {
  const body = toErrorBody(error);
  if (body.code === "internal") logger.error("gRPC call failed", { method, error: String(error) });
  const metadata = new Metadata();
  metadata.set(METADATA.errorCode, body.code);
  return { code: STATUS[body.code], details: body.message, metadata };
}

/** Why a Watch ended: who removed the person, whether for good, and the reason given. */
function removalSentence({ room, by, reason, banned }: RoomRemovedPush): string {
  const because = reason ? ` (${reason})` : "";
  return `${by} ${banned ? "banned you from" : "removed you from"} room "${room}"${because}.`;
}

function bearer(metadata: Metadata): string | undefined {
  const value = text(metadata.get(METADATA.authorization)[0]);
  const match = value === undefined ? null : /^Bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function settingsToWire(settings: RoomSettings) {
  return { ...settings, owner: settings.owner ?? "" };
}

function toWire(message: Message): WireMessage {
  // livechat.v1's Message carries no guest tags (nor `reactionTags`): its reactions name people as Reaction.users does.
  const { highlight = [], reactionTags: _reactionTags, ...rest } = message;
  return {
    ...rest,
    clientId: message.clientId ?? "",
    highlight: highlight.map(([start, end]) => ({ start, end })),
    editedAt: message.editedAt ?? "",
    deleted: message.deleted === true,
    replyTo: message.replyTo ?? 0,
    reactions: message.reactions ?? [],
    pinned: message.pinned === true,
  };
}

/** The caller's address without its port: gRPC peers read "ipv4:1.2.3.4:5678" or "ipv6:[::1]:5678". */
function peerAddress(peer: string): string {
  return peer.replace(/^ipv[46]:/, "").replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
}
