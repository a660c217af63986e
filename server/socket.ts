// Socket.IO: reads who a connection is off its handshake, hands each event to the
// chat service and acknowledges the answer in the contract's shape. The room
// membership a connection has is its Socket.IO topics.
import type { Server as HttpServer } from "node:http";
import { parse as parseCookies } from "cookie";
import { Server, type Socket } from "socket.io";
import { SESSION_COOKIE, unsealSession, type SessionSecrets } from "../lib/accounts/session";
import type { ConnectionPort } from "../lib/chat/caller";
import type { ChatService } from "../lib/chat/service";
import { toErrorBody } from "../lib/errors";
import type { Logger } from "../lib/logger";
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from "../lib/protocol";
import { roomTopic } from "../lib/protocol";
import type { Config } from "./config";
import type { DeliveryStats } from "./delivery-stats";
import { isAllowedOrigin } from "./http/origin";
import { createOutputGuard } from "./output-guard";

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface SocketDeps {
  config: Config;
  chat: ChatService;
  sessionSecrets: SessionSecrets;
  logger: Logger;
  stats: DeliveryStats;
}

const TOPIC_PREFIX = roomTopic("");
/**
 * The largest packet a client may send; a bigger one closes that connection only.
 * A 2000-character message is at most 12 KB as JSON (6 bytes per escaped character),
 * so 32 KB leaves room for the room name, clientId and framing.
 */
export const MAX_PACKET_BYTES = 32 * 1024;

export function attachSocketServer(httpServer: HttpServer, deps: SocketDeps): ChatServer {
  const { config, chat, logger, stats } = deps;
  const io: ChatServer = new Server(httpServer, {
    path: "/socket.io",
    serveClient: false,
    maxHttpBufferSize: MAX_PACKET_BYTES,
    allowRequest: (req, callback) => callback(null, isAllowedOrigin(req.headers, config.allowedOrigins)),
    ...(config.allowedOrigins.length > 0 ? { cors: { origin: config.allowedOrigins, credentials: true } } : {}),
  });

  io.use(async (socket, next) => {
    try {
      const cookies = parseCookies(socket.request.headers.cookie ?? "");
      const asked: unknown = socket.handshake.auth?.name;
      socket.data.identity = await chat.identify({
        credentials: {
          kind: "cookie",
          session: () => unsealSession(cookies[SESSION_COOKIE], deps.sessionSecrets),
          ...(typeof asked === "string" ? { guestName: asked } : {}),
        },
        address: socket.handshake.address,
      });
      next();
    } catch (error) {
      const refusal = new Error(toErrorBody(error).message) as Error & { data: unknown };
      refusal.data = toErrorBody(error);
      next(refusal);
    }
  });

  const guardOutput = createOutputGuard({
    maxBytes: config.outboundBufferBytes,
    onCutOff: (socket, bufferedBytes) => {
      stats.countSlowConsumerCut();
      logger.warn("cut off a slow consumer", { id: socket.id, bufferedBytes, limit: config.outboundBufferBytes });
    },
  });

  io.on("connection", (socket) => {
    const { identity } = socket.data;
    logger.debug("socket connected", { id: socket.id, username: identity.username, guest: identity.guest });
    guardOutput(socket);
    const caller = chat.connect(portOf(socket), identity, socket.handshake.address);

    on(socket, "room:join", async (payload) => ({ ...(await chat.join(caller, payload)), node: config.nodeName }));
    on(socket, "room:leave", async (payload) => {
      await chat.leave(caller, payload);
      return {};
    });
    on(socket, "message:send", async (payload) => ({ message: await chat.send(caller, payload) }));
    on(socket, "message:edit", async (payload) => ({ message: await chat.editMessage(caller, payload) }));
    on(socket, "message:delete", async (payload) => ({ message: await chat.deleteMessage(caller, payload) }));

    socket.on("disconnecting", (reason) => {
      logger.debug("socket disconnected", { id: socket.id, reason });
      chat.disconnect(caller);
    });
  });

  function on(socket: ChatSocket, event: keyof ClientToServerEvents, handle: (payload: unknown) => Promise<object>) {
    // Inbound arguments are untrusted: the payload may be missing and the ack may not be a function.
    (socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(event, (...args) => {
      const last = args.at(-1);
      const ack = typeof last === "function" ? (last as (reply: object) => void) : undefined;
      const payload = ack ? (args.length > 1 ? args[0] : undefined) : args[0];
      handle(payload).then(
        (reply) => ack?.({ ok: true, ...reply }),
        (error: unknown) => {
          const body = toErrorBody(error);
          if (body.code === "internal") logger.error("socket event failed", { event, error: String(error) });
          ack?.({ ok: false, error: body });
        },
      );
    });
  }

  return io;
}

/** A socket's rooms are its Socket.IO topics. */
function portOf(socket: ChatSocket): ConnectionPort {
  return {
    id: socket.id,
    *rooms() {
      for (const topic of socket.rooms) if (topic.startsWith(TOPIC_PREFIX)) yield topic.slice(TOPIC_PREFIX.length);
    },
    isIn: (room) => socket.rooms.has(roomTopic(room)),
    enter: async (room) => socket.join(roomTopic(room)),
    exit: async (room) => socket.leave(roomTopic(room)),
  };
}
