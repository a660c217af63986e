// Socket.IO: reads who a connection is off its handshake, hands each event to the
// chat service and acknowledges the answer in the contract's shape. The room
// membership a connection has is its Socket.IO topics.
import type { Server as HttpServer } from "node:http";
import { parse as parseCookies } from "cookie";
import { Server, type Socket } from "socket.io";
import { SESSION_COOKIE, unsealSession, type SessionSecrets } from "../lib/accounts/session";
import type { Caller, ConnectionPort } from "../lib/chat/caller";
import type { ChatService } from "../lib/chat/service";
import { toErrorBody } from "../lib/errors";
import type { Logger } from "../lib/logger";
import type { PushBus } from "../lib/pushes/push-bus";
import { isNamed, type Sighting } from "../lib/rooms/keeping";
import { createTurnPacer } from "../lib/turn-pacer";
import type { ClientToServerEvents, RoomRemovedPush, RoomSummary, ServerToClientEvents, SocketData } from "../lib/protocol";
import { personTopic, roomTopic, watchTopic } from "../lib/protocol";
import { batchActivity } from "./activity-batches";
import type { SightingsQuery } from "./cluster-people";
import type { Config } from "./config";
import type { DeliveryStats } from "./delivery-stats";
import { keepHandshakeFacts } from "./handshake-facts";
import { isServedHost } from "./http/host";
import { isAllowedOrigin } from "./http/origin";
import { createOutputGuard } from "./output-guard";

/**
 * Between nodes (Socket.IO's serverSideEmit, heard by every node): a person removed from
 * a room leaves it on every node, a node asked for its live public rooms answers with them
 * (cluster-rooms.ts), and one asked where a person is connected to a room answers with
 * their connections there (cluster-people.ts). Who is typing goes by room instead
 * (typing-channel.ts).
 */
export interface InterServerEvents {
  "room:removed": (push: RoomRemovedPush) => void;
  "rooms:list": (reply: (rooms: RoomSummary[]) => void) => void;
  "room:sightings": (query: SightingsQuery, reply: (found: Sighting[]) => void) => void;
}

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
/** What a client event does, given who sent it and its (untrusted) payload; the ack carries the answer. */
type EventHandler = (caller: Caller, payload: unknown) => Promise<object>;

export interface SocketDeps {
  config: Config;
  chat: ChatService;
  sessionSecrets: SessionSecrets;
  logger: Logger;
  stats: DeliveryStats;
  /** The registry's bus: a removal made here reaches the person's connections on every node. */
  pushes: PushBus;
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
/**
 * New connections set up in one turn of the event loop; more wait for the next turns, so
 * the work of one turn of a reconnect storm no longer grows with the number of pages.
 */
const HANDSHAKES_PER_TURN = 16;
/** A handshake that never connects to a namespace is closed after this (Socket.IO's default is 45 s). */
const CONNECT_TIMEOUT_MS = 10_000;

export function attachSocketServer(httpServer: HttpServer, deps: SocketDeps): ChatServer {
  const { config, chat, logger, stats } = deps;
  const paceHandshake = createTurnPacer(HANDSHAKES_PER_TURN);
  const io: ChatServer = new Server(httpServer, {
    path: "/socket.io",
    serveClient: false,
    maxHttpBufferSize: MAX_PACKET_BYTES,
    // A ping every 5 s lets a page notice a frozen server within seconds (it reconnects after
    // SILENCE_MS without a packet); a client is still given the default 20 s to answer one.
    pingInterval: PING_INTERVAL_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A refused request costs nothing more; an allowed one waits for its turn (lib/turn-pacer.ts).
    allowRequest: (req, callback) => {
      if (!isServedHost(req.headers, config.publicHosts) || !isAllowedOrigin(req.headers, config.allowedOrigins)) return callback(null, false);
      paceHandshake(() => callback(null, true));
    },
    ...(config.allowedOrigins.length > 0 ? { cors: { origin: config.allowedOrigins, credentials: true } } : {}),
  });
  const handshakeOf = keepHandshakeFacts(io, config.trustProxy);

  // First and cheap: an address at its cap is refused before its cookie is read. The
  // connection is counted until its transport closes, whatever happens after.
  io.use((socket, next) => {
    try {
      const release = chat.admit(handshakeOf(socket.conn).address);
      // "close" fires once; `on` spares every connection the wrapper `once` makes.
      socket.conn.on("close", release);
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
      const { cookie, address } = handshakeOf(socket.conn);
      const cookies = parseCookies(cookie);
      const asked: unknown = socket.handshake.auth?.name;
      socket.data.identity = await chat.identify({
        credentials: {
          kind: "cookie",
          session: () => unsealSession(cookies[SESSION_COOKIE], deps.sessionSecrets),
          ...(typeof asked === "string" ? { guestName: asked } : {}),
        },
        address,
      });
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

  /** This node's connections and their callers, so a removal can make them leave. */
  const callers = new Map<ChatSocket, Caller>();

  /** The removed person's connections on this node leave the room and are told why. */
  const removeHere = (push: RoomRemovedPush) => {
    const { room, reason, by, username, banned } = push;
    for (const [socket, caller] of callers) {
      if (!isNamed(socket.data.identity, username, push.guest)) continue;
      if (!socket.rooms.has(roomTopic(room))) continue;
      socket.emit("room:removed", { room, reason, by, username, guest: push.guest, banned });
      chat.leave(caller, { room }).catch((error: unknown) => logger.warn("a removed connection could not leave", { room, error: String(error) }));
    }
  };
  deps.pushes.subscribe(({ event, payload, remote }) => {
    if (event !== "room:removed") return;
    removeHere(payload);
    if (remote) return;
    // Only an adapter that spans nodes carries server-side events (the in-memory one has one node).
    void io.of("/").adapter.serverCount().then(
      (nodes) => nodes > 1 && io.serverSideEmit("room:removed", payload),
      (error: unknown) => logger.warn("could not tell the other nodes of a removal", { error: String(error) }),
    );
  });
  // Another node's removal goes on this node's bus, so its streams (SSE, gRPC Watch) end too.
  io.on("room:removed", (push) => deps.pushes.relay(roomTopic(push.room), "room:removed", push));

  // One table for every connection, so an idle socket holds one listener rather than one per event.
  const handlerTable: Record<keyof ClientToServerEvents, EventHandler> = {
    "room:join": async (caller, payload) => ({ ...(await chat.join(caller, payload)), node: config.nodeName }),
    "room:leave": async (caller, payload) => {
      await chat.leave(caller, payload);
      return {};
    },
    "message:send": async (caller, payload) => ({ message: await chat.send(caller, payload) }),
    "room:configure": async (caller, payload) => ({ settings: await chat.configure(caller, payload) }),
    "room:moderate": async (caller, payload) => {
      await chat.moderate(caller, payload);
      return {};
    },
    typing: async (caller, payload) => {
      await chat.typing(caller, payload);
      return {};
    },
    "room:read": async (caller, payload) => ({ lastReadSeq: await chat.markRead(caller, payload) }),
    "rooms:watch": async (caller, payload) => ({ rooms: await chat.watchRooms(caller, payload) }),
    // Conversation (v1.1).
    "message:edit": async (caller, payload) => ({ message: await chat.editMessage(caller, payload) }),
    "message:delete": async (caller, payload) => ({ message: await chat.deleteMessage(caller, payload) }),
    "message:react": async (caller, payload) => ({ message: await chat.react(caller, payload) }),
    "message:pin": async (caller, payload) => ({ message: await chat.pin(caller, payload) }),
  };
  const handlers = new Map(Object.entries(handlerTable));

  // Shared by every connection (Socket.IO calls them with the socket as `this`), so an
  // idle socket holds no closures of its own.
  function onEvent(this: ChatSocket, event: string, ...args: unknown[]) {
    const handle = handlers.get(event);
    const caller = callers.get(this);
    // Socket.IO hands a batch's packets to catch-all listeners even after a cut-off.
    if (handle && caller && this.connected) answer(event, args, handle, caller);
  }
  function onDisconnecting(this: ChatSocket, reason: string) {
    logger.debug("socket disconnected", { id: this.id, reason });
    const caller = callers.get(this);
    callers.delete(this);
    if (caller) chat.disconnect(caller);
  }

  io.on("connection", (socket) => {
    const { identity } = socket.data;
    logger.debug("socket connected", { id: socket.id, username: identity.username, guest: identity.guest });
    guardOutput(socket);
    callers.set(socket, chat.connect(new SocketPort(socket), identity, handshakeOf(socket.conn).address));
    // Every connection of one person hears that person's pushes (read markers moved elsewhere).
    void socket.join(personTopic(identity.username));
    socket.onAny(onEvent);
    socket.on("disconnecting", onDisconnecting);
  });

  /** Runs one event and acknowledges its answer in the contract's shape. */
  function answer(event: string, args: unknown[], handle: EventHandler, caller: Caller) {
    // Inbound arguments are untrusted: the payload may be missing and the ack may not be a function.
    const last = args.at(-1);
    const ack = typeof last === "function" ? (last as (reply: object) => void) : undefined;
    const payload = ack ? (args.length > 1 ? args[0] : undefined) : args[0];
    handle(caller, payload).then(
      (reply) => ack?.({ ok: true, ...reply }),
      (error: unknown) => {
        const body = toErrorBody(error);
        if (body.code === "internal") logger.error("socket event failed", { event, error: String(error) });
        ack?.({ ok: false, error: body });
      },
    );
  }

  // This node's watchers of a room hear of its new messages, marked for the people they
  // mention, a few at a time per connection (activity-batches.ts).
  const activity = batchActivity(io);
  chat.watches.deliverTo(activity.sink);
  httpServer.once("close", activity.close);

  return io;
}

/** Refuses a handshake with the contract's error: the client's connect_error carries it as `data`. */
function refuse(next: (error?: Error) => void, error: unknown): void {
  const refusal = new Error(toErrorBody(error).message) as Error & { data: unknown };
  refusal.data = toErrorBody(error);
  next(refusal);
}

/** A socket's rooms are its Socket.IO topics. A class, so idle sockets share its methods. */
class SocketPort implements ConnectionPort {
  constructor(private readonly socket: ChatSocket) {}

  get id(): string {
    return this.socket.id;
  }

  *rooms(): Iterable<string> {
    for (const topic of this.socket.rooms) if (topic.startsWith(TOPIC_PREFIX)) yield topic.slice(TOPIC_PREFIX.length);
  }

  isIn(room: string): boolean {
    return this.socket.rooms.has(roomTopic(room));
  }

  async enter(room: string): Promise<void> {
    await this.socket.join(roomTopic(room));
  }

  async exit(room: string): Promise<void> {
    await this.socket.leave(roomTopic(room));
  }

  async watch(rooms: string[]): Promise<void> {
    const wanted = new Set(rooms.map(watchTopic));
    for (const topic of this.socket.rooms) if (topic.startsWith(WATCH_PREFIX) && !wanted.has(topic)) await this.socket.leave(topic);
    await this.socket.join([...wanted]);
  }

  close(): void {
    this.socket.disconnect(true);
  }
}
