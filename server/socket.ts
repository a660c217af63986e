// Socket.IO: the handshake decides who a connection is; each event is parsed,
// handed to the domain and acknowledged in the contract's shape.
import type { Server as HttpServer } from "node:http";
import { parse as parseCookies } from "cookie";
import { Server, type Socket } from "socket.io";
import type { Accounts } from "../lib/accounts/accounts";
import { SESSION_COOKIE, unsealSession, type SessionSecrets } from "../lib/accounts/session";
import { ChatError, toErrorBody } from "../lib/errors";
import type { ConnectionLimiter } from "../lib/limits/connection-limiter";
import type { JoinLimiter } from "../lib/limits/join-limiter";
import { TokenBucket } from "../lib/limits/token-bucket";
import type { Logger } from "../lib/logger";
import type { Departures } from "../lib/presence/departures";
import { normalizeRoomName } from "../lib/names";
import { parsePayload } from "../lib/payloads";
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from "../lib/protocol";
import { roomTopic } from "../lib/protocol";
import type { RegistryManager } from "../lib/rooms/registry";
import type { Config } from "./config";
import type { DeliveryStats } from "./delivery-stats";
import { clientAddress } from "./http/client-address";
import { isServedHost } from "./http/host";
import { isAllowedOrigin } from "./http/origin";
import { createOutputGuard } from "./output-guard";

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface SocketDeps {
  config: Config;
  registry: RegistryManager;
  accounts: Accounts;
  sessionSecrets: SessionSecrets;
  logger: Logger;
  stats: DeliveryStats;
  /** Long-lived connections per address and in all: a Socket.IO connection is one. */
  connections: ConnectionLimiter;
  /** Room joins per address (JOIN_RATE, JOIN_BURST). */
  joins: JoinLimiter;
  /** Where a closed connection's leaves go: recorded after a grace, retried until they are. */
  departures: Departures;
}

const TOPIC_PREFIX = roomTopic("");
/**
 * The largest packet a client may send; a bigger one closes that connection only.
 * A 2000-character message is at most 12 KB as JSON (6 bytes per escaped character),
 * so 32 KB leaves room for the room name, clientId and framing.
 */
export const MAX_PACKET_BYTES = 32 * 1024;
/** Rooms one connection may be in at once: a page is in one, so 100 only stops a memory flood. */
export const MAX_ROOMS_PER_CONNECTION = 100;
/**
 * Joins refused for the address's JOIN_RATE that one connection may collect: a page told
 * to slow down waits 3 s before joining again, so a connection that keeps joining past 20
 * refusals, or 5 a second, is flooding and is cut off. Refusing is cheap, not free: a
 * closed loop of refused joins from one address would still take the whole event loop.
 */
const JOIN_REFUSALS = { ratePerSecond: 5, burst: 20 };
/** A handshake that never connects to a namespace is closed after this (Socket.IO's default is 45 s). */
const CONNECT_TIMEOUT_MS = 10_000;

export function attachSocketServer(httpServer: HttpServer, deps: SocketDeps): ChatServer {
  const { config, registry, accounts, logger, stats } = deps;
  const io: ChatServer = new Server(httpServer, {
    path: "/socket.io",
    serveClient: false,
    maxHttpBufferSize: MAX_PACKET_BYTES,
    connectTimeout: CONNECT_TIMEOUT_MS,
    allowRequest: (req, callback) =>
      callback(null, isServedHost(req.headers, config.publicHosts) && isAllowedOrigin(req.headers, config.allowedOrigins)),
    ...(config.allowedOrigins.length > 0 ? { cors: { origin: config.allowedOrigins, credentials: true } } : {}),
  });

  // First and cheap: an address at its cap is refused before its cookie is read. The
  // connection is counted until its transport closes, whatever happens after.
  io.use((socket, next) => {
    try {
      const release = deps.connections.admit(clientAddress(socket.request, config.trustProxy));
      socket.conn.once("close", release);
      if (socket.conn.readyState === "closed") release();
      next();
    } catch (error) {
      refuse(next, error);
      // A client that ignores connect_error would hold its transport open until connectTimeout.
      setImmediate(() => socket.conn.close());
    }
  });

  io.use(async (socket, next) => {
    try {
      const cookies = parseCookies(socket.request.headers.cookie ?? "");
      const session = await unsealSession(cookies[SESSION_COOKIE], deps.sessionSecrets);
      const asked: unknown = socket.handshake.auth?.name;
      socket.data.identity = await accounts.identify(session, typeof asked === "string" ? asked : undefined);
      next();
    } catch (error) {
      refuse(next, error);
    }
  });

  const guardOutput = createOutputGuard({
    maxBytes: config.outboundBufferBytes,
    onCutOff: (socket, bufferedBytes) => {
      stats.countSlowConsumerCut();
      logger.warn("cut off a slow consumer", { id: socket.id, bufferedBytes, limit: config.outboundBufferBytes });
    },
  });
  const rateLimited = new ChatError(
    "rate_limited",
    `Too many messages: at most ${config.messageRate} a second (${config.messageBurst} at once). Wait a moment and send again.`,
  );

  io.on("connection", (socket) => {
    const { identity } = socket.data;
    const address = clientAddress(socket.request, config.trustProxy);
    logger.debug("socket connected", { id: socket.id, username: identity.username, guest: identity.guest });
    guardOutput(socket);
    const joinRefusals = new TokenBucket(JOIN_REFUSALS);
    const sends = config.messageRate > 0 ? new TokenBucket({ ratePerSecond: config.messageRate, burst: config.messageBurst }) : null;

    on(socket, "room:join", async (payload) => {
      // Before anything else, as sends take a token: a flood of joins costs no room start and no store read.
      try {
        deps.joins.take(address);
      } catch (error) {
        if (!joinRefusals.take()) {
          stats.countFloodCut();
          logger.warn("cut off a flooding client", { id: socket.id, address });
          socket.disconnect(true);
        }
        throw error;
      }
      const room = normalizeRoomName(parsePayload("room", payload).room);
      if (!socket.rooms.has(roomTopic(room)) && joinedRooms(socket) >= MAX_ROOMS_PER_CONNECTION) {
        throw new ChatError(
          "rate_limited",
          `One connection can be in at most ${MAX_ROOMS_PER_CONNECTION} rooms at once; leave one first.`,
        );
      }
      await socket.join(roomTopic(room));
      try {
        const { messages, members } = await registry.join(room, socket.id, identity);
        return { room, messages, members, node: config.nodeName, you: identity };
      } catch (error) {
        await socket.leave(roomTopic(room));
        throw error;
      }
    });

    on(socket, "room:leave", async (payload) => {
      const room = normalizeRoomName(parsePayload("room", payload).room);
      await socket.leave(roomTopic(room));
      // The connection is out of the room's topic: a leave the room cannot record now is retried.
      await registry.leave(room, socket.id).catch(() => deps.departures.depart(room, socket.id));
      return {};
    });

    on(socket, "message:send", async (payload) => {
      if (sends && !sends.take()) {
        stats.countRateLimited();
        throw rateLimited;
      }
      const { room: asked, content, clientId } = parsePayload("send", payload);
      const room = normalizeRoomName(asked);
      const message = await registry.send(room, {
        author: identity,
        content,
        connectionId: socket.id,
        ...(clientId !== undefined ? { clientId } : {}),
      });
      return { message };
    });

    socket.on("disconnecting", (reason) => {
      logger.debug("socket disconnected", { id: socket.id, reason });
      for (const topic of socket.rooms) {
        if (topic.startsWith(TOPIC_PREFIX)) deps.departures.depart(topic.slice(TOPIC_PREFIX.length), socket.id);
      }
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

/** Refuses a handshake with the contract's error: the client's connect_error carries it as `data`. */
function refuse(next: (error?: Error) => void, error: unknown): void {
  const refusal = new Error(toErrorBody(error).message) as Error & { data: unknown };
  refusal.data = toErrorBody(error);
  next(refusal);
}

function joinedRooms(socket: ChatSocket): number {
  let count = 0;
  for (const topic of socket.rooms) if (topic.startsWith(TOPIC_PREFIX)) count += 1;
  return count;
}
