// Socket.IO: reads who a connection is off its handshake, hands each event to the
// chat service and acknowledges the answer in the contract's shape. The room
// membership a connection has is its Socket.IO topics.
import type { Server as HttpServer } from "node:http";
import { parse as parseCookies } from "cookie";
import { Server, type Socket } from "socket.io";
import { SESSION_COOKIE, unsealSession, type SessionSecrets } from "../lib/accounts/session";
import type { ConnectionPort } from "../lib/chat/caller";
import type { ChatService } from "../lib/chat/service";
import type { TypingChange } from "../lib/chat/typing";
import { toErrorBody } from "../lib/errors";
import type { Logger } from "../lib/logger";
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from "../lib/protocol";
import { personTopic, roomTopic, watchTopic } from "../lib/protocol";
import type { Config } from "./config";
import type { DeliveryStats } from "./delivery-stats";
import { isAllowedOrigin } from "./http/origin";
import { createOutputGuard } from "./output-guard";

/** What nodes tell each other through Socket.IO's adapter. */
export interface ServerSideEvents {
  typing: (change: TypingChange) => void;
}

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;

export interface SocketDeps {
  config: Config;
  chat: ChatService;
  sessionSecrets: SessionSecrets;
  logger: Logger;
  stats: DeliveryStats;
}

const TOPIC_PREFIX = roomTopic("");
const WATCH_PREFIX = watchTopic("");
/**
 * The largest packet a client may send; a bigger one closes that connection only.
 * A 2000-character message is at most 12 KB as JSON (6 bytes per escaped character),
 * so 32 KB leaves room for the room name, clientId and framing.
 */
export const MAX_PACKET_BYTES = 32 * 1024;
/** How often the server pings each connection (the pages' silence check relies on it: lib/client-policy.ts). */
export const PING_INTERVAL_MS = 5_000;

export function attachSocketServer(httpServer: HttpServer, deps: SocketDeps): ChatServer {
  const { config, chat, logger, stats } = deps;
  const io: ChatServer = new Server(httpServer, {
    path: "/socket.io",
    serveClient: false,
    maxHttpBufferSize: MAX_PACKET_BYTES,
    // A ping every 5 s lets a page notice a frozen server within seconds (it reconnects after
    // SILENCE_MS without a packet); a client is still given the default 20 s to answer one.
    pingInterval: PING_INTERVAL_MS,
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
    // Every connection of one person hears that person's pushes (read markers moved elsewhere).
    void socket.join(personTopic(identity.username));

    on(socket, "room:join", async (payload) => ({ ...(await chat.join(caller, payload)), node: config.nodeName }));
    on(socket, "room:leave", async (payload) => {
      await chat.leave(caller, payload);
      return {};
    });
    on(socket, "message:send", async (payload) => ({ message: await chat.send(caller, payload) }));
    on(socket, "typing", async (payload) => {
      await chat.typing(caller, payload);
      return {};
    });
    on(socket, "room:read", async (payload) => ({ lastReadSeq: await chat.markRead(caller, payload) }));
    on(socket, "rooms:watch", async (payload) => ({ rooms: await chat.watchRooms(caller, payload) }));

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

  // This node's watchers of a room hear of its new messages, all in one broadcast but the
  // people it mentions, who get theirs marked; a connection that joined the room has its list.
  chat.watches.deliverTo((push, mentioned) => {
    const topic = roomTopic(push.room);
    io.local.to(watchTopic(push.room)).except([topic, ...mentioned]).emit("room:activity", { ...push, mention: false });
    if (mentioned.length > 0) io.local.to([...mentioned]).except(topic).emit("room:activity", { ...push, mention: true });
  });

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
    watch: async (rooms) => {
      const wanted = new Set(rooms.map(watchTopic));
      for (const topic of socket.rooms) if (topic.startsWith(WATCH_PREFIX) && !wanted.has(topic)) await socket.leave(topic);
      await socket.join([...wanted]);
    },
  };
}
