// The gRPC adapter: the livechat.v1.Chat service (livechat.proto). Each call is
// parsed, handed to the same domain calls as Socket.IO and the HTTP API, and
// answered; contract errors become gRPC status codes with the contract's code
// in the trailing metadata.
import { timingSafeEqual } from "node:crypto";
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
import type { Accounts } from "../../lib/accounts/accounts";
import type { AuthThrottle } from "../../lib/accounts/auth-throttle";
import type { ConnectionLimiter } from "../../lib/limits/connection-limiter";
import type { SendLimiter } from "../../lib/limits/send-limiter";
import { sealSession, unsealSession, type SessionSecrets } from "../../lib/accounts/session";
import { ChatError, toErrorBody } from "../../lib/errors";
import type { Logger } from "../../lib/logger";
import { normalizeRoomName } from "../../lib/names";
import { parsePayload } from "../../lib/payloads";
import type { ErrorCode, Identity, Message } from "../../lib/protocol";
import type { RegistryManager } from "../../lib/rooms/registry";
import { ConfigError, type Config } from "../config";
import { watchRoom } from "../watch-room";
import { loadChatService, METADATA, type WireMessage, type WireWatchEvent } from "./proto";

export interface GrpcDeps {
  config: Config;
  registry: RegistryManager;
  accounts: Accounts;
  sessionSecrets: SessionSecrets;
  /** The same login throttle as the HTTP API's, so gRPC is no way around it. */
  authThrottle: AuthThrottle;
  sendLimiter: SendLimiter;
  /** Long-lived connections per address and in all: a Watch stream is one. */
  connections: ConnectionLimiter;
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

const PAGE_DEFAULT = 50;
const PAGE_MAX = 200;
const SHUTDOWN_GRACE_MS = 3_000;
const KEEPALIVE_MS = 30_000;
const KEEPALIVE_TIMEOUT_MS = 10_000;

type Request = Record<string, unknown>;

/** Starts the service on GRPC_PORT (0 picks a free port). */
export async function startGrpcServer(deps: GrpcDeps): Promise<GrpcAdapter> {
  const { config, registry, accounts, logger } = deps;
  // Pings find clients that vanished without closing, so their Watch streams are freed.
  const server = new Server({ "grpc.keepalive_time_ms": KEEPALIVE_MS, "grpc.keepalive_timeout_ms": KEEPALIVE_TIMEOUT_MS });
  const watches = new Set<ServerWritableStream<Request, WireWatchEvent>>();

  /** Who is calling: a session token, else a guest under `livechat-name`, else the default guest. */
  async function identify(metadata: Metadata): Promise<Identity> {
    const token = bearer(metadata);
    if (token !== undefined) {
      const session = await unsealSession(token, deps.sessionSecrets);
      const identity = session.username ? await accounts.identify(session) : undefined;
      if (!identity || identity.guest) {
        throw new ChatError("unauthorized", "The token is not valid (or has expired); call Login for a new one.");
      }
      return identity;
    }
    return accounts.identify({}, text(metadata.get(METADATA.guestName)[0]));
  }

  function isAdmin(metadata: Metadata): boolean {
    const token = bearer(metadata);
    if (token === undefined || !config.adminToken) return false;
    const given = Buffer.from(token);
    const expected = Buffer.from(config.adminToken);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  function unary<Reply>(name: string, handle: (request: Request, metadata: Metadata, peer: string) => Promise<Reply>) {
    return (call: ServerUnaryCall<Request, Reply>, callback: sendUnaryData<Reply>) => {
      handle(call.request, call.metadata, peerAddress(call.getPeer())).then(
        (reply) => callback(null, reply),
        (error: unknown) => callback(toServiceError(error, name, logger)),
      );
    };
  }

  server.addService(loadChatService().service, {
    Login: unary("Login", async (request, _metadata, peer) => {
      const { username, password } = parsePayload("credentials", request);
      deps.authThrottle.checkLogin(peer, username);
      const user = await accounts.login(username, password).catch((error: unknown) => {
        if (error instanceof ChatError && error.code === "unauthorized") deps.authThrottle.loginFailed(peer, username);
        throw error;
      });
      return { user, token: await sealSession(await accounts.sessionOf(user), deps.sessionSecrets) };
    }),

    Send: unary("Send", async (request, metadata, peer) => {
      const room = normalizeRoomName(text(request.room) ?? "");
      const clientId = text(request.clientId);
      const { content } = parsePayload("post", { content: request.content, ...(clientId ? { clientId } : {}) });
      deps.sendLimiter.take(peer);
      const author = await identify(metadata);
      const message = await registry.send(room, { author, content, ...(clientId ? { clientId } : {}) });
      return { message: toWire(message) };
    }),

    History: unary("History", async (request) => {
      const room = normalizeRoomName(text(request.room) ?? "");
      const limit = Math.min(PAGE_MAX, Number(request.limit) || PAGE_DEFAULT);
      const before = Number(request.beforeSeq) || undefined;
      return { messages: (await registry.history(room, limit, before)).map(toWire) };
    }),

    DeleteRoom: unary("DeleteRoom", async (request, metadata) => {
      const room = normalizeRoomName(text(request.room) ?? "");
      const by = isAdmin(metadata) ? "admin" : await identify(metadata);
      await registry.deleteRoom(room, by);
      logger.info("room deleted", { room, by: by === "admin" ? "admin" : by.username, via: "grpc" });
      return {};
    }),

    Watch: (call: ServerWritableStream<Request, WireWatchEvent>) => {
      let release: () => void;
      try {
        release = deps.connections.admit(peerAddress(call.getPeer()));
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
        const room = normalizeRoomName(text(call.request.room) ?? "");
        stop = await watchRoom(deps, room, {
          messages: (push) => send({ event: "messages", messages: { ...push, messages: push.messages.map(toWire) } }),
          deleted: () => {
            newest = undefined;
            send({ event: "deleted", deleted: { room } });
            call.end();
          },
        });
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

function bearer(metadata: Metadata): string | undefined {
  const value = text(metadata.get(METADATA.authorization)[0]);
  const match = value === undefined ? null : /^Bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function toWire(message: Message): WireMessage {
  return { ...message, clientId: message.clientId ?? "" };
}

/** The caller's address without its port: gRPC peers read "ipv4:1.2.3.4:5678" or "ipv6:[::1]:5678". */
function peerAddress(peer: string): string {
  return peer.replace(/^ipv[46]:/, "").replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
}
