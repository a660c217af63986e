// The composition root: wires config, store, registry, accounts, the HTTP API,
// the pages and Socket.IO into one HTTP server. Nothing here runs at import time.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Accounts } from "../lib/accounts/accounts";
import type { SightingsElsewhere } from "../lib/chat/owners";
import { ChatService } from "../lib/chat/service";
import { TypingBoard, type TypingChange } from "../lib/chat/typing";
import type { SessionSecrets } from "../lib/accounts/session";
import { AUTH_LIMITS, AuthThrottle, type AuthLimits } from "../lib/accounts/auth-throttle";
import { HasherPool } from "../lib/accounts/hasher";
import { createLogger, type Logger } from "../lib/logger";
import { ConnectionLimiter } from "../lib/limits/connection-limiter";
import { LimitCounters } from "../lib/limits/counters";
import { JoinLimiter } from "../lib/limits/join-limiter";
import { SendLimiter } from "../lib/limits/send-limiter";
import { DEPARTURE_GRACE_MS, DEPARTURE_MAX_RETRY_MS, DEPARTURE_RETRY_MS, Departures } from "../lib/presence/departures";
import type { RoomSummary } from "../lib/protocol";
import { PushBus } from "../lib/pushes/push-bus";
import { RegistryManager, type RestartIntensity } from "../lib/rooms/registry";
import type { Config } from "./config";
import { DeliveryStats } from "./delivery-stats";
import { connectionBudget, readOpenFileLimit } from "./descriptor-budget";
import { startGrpcServer, type GrpcAdapter } from "./grpc/server";
import { createApiHandler } from "./http/api";
import { sendError, HttpError } from "./http/respond";
import { SseStreams } from "./http/sse";
import { isServedHost, wrongHostMessage } from "./http/host";
import { isHttps, setSecurityHeaders } from "./http/security-headers";
import { upgradeGate } from "./http/upgrade-gate";
import { Metrics } from "./metrics";
import { startPages, type Pages } from "./pages";
import { resolveSessionSecrets } from "./session-secret";
import { clusterSightings } from "./cluster-people";
import { clusterRoomList } from "./cluster-rooms";
import { attachSocketServer, type ChatServer } from "./socket";
import { relayPushes } from "./socket-pushes";
import { shareTypingByRoom } from "./typing-channel";
import { openStoreBackend, type RedisBackendOptions } from "./store-backend";

export interface LivechatServer {
  httpServer: HttpServer;
  /** Socket.IO, when the web adapter runs. */
  io: ChatServer | undefined;
  registry: RegistryManager;
  metrics: Metrics;
  /** SSE streams, when the web adapter runs. */
  streams: SseStreams | undefined;
  /** The gRPC adapter once listening, when it runs. */
  readonly grpc: GrpcAdapter | undefined;
  logger: Logger;
  /** Rate-limit refusals and slow-consumer cut-offs, for metrics. */
  deliveryStats: DeliveryStats;
  /** Socket.IO connections, SSE and gRPC Watch streams admitted, per address and in all. */
  connections: ConnectionLimiter;
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
  /** Settles only if the store finds damage after start-up (a large SQLite file's check): the process must stop. */
  damaged: Promise<Error>;
}

export interface ServerOptions {
  /** Serve the Next.js pages too (false for API-and-socket-only servers in tests). */
  pages?: boolean;
  logger?: Logger;
  /** Login and registration throttling (tests that send thousands of attempts raise it). */
  authLimits?: Partial<AuthLimits>;
  /** With REDIS_URL: key prefix and presence timing (tests). */
  redis?: RedisBackendOptions;
  /** Tests that crash rooms on purpose loosen it; production keeps the registry's default. */
  restartIntensity?: RestartIntensity;
  /** How often an SSE stream sends a heartbeat comment. */
  sseHeartbeatMs?: number;
  /** How long after its connection closes a person leaves a room (tests shorten it). */
  departureGraceMs?: number;
}

const IDLE_ROOM_MS = 60_000;
const SHUTDOWN_GRACE_MS = 3_000;
const SSE_HEARTBEAT_MS = 15_000;
/** How often presence is checked against the open connections (leaves that never happened). */
const PRESENCE_SWEEP_MS = 2_000;
/** What a node without the web adapter still answers over HTTP: operations, not chat. */
const OPERATIONS_PATHS = new Set(["/api/health", "/api/metrics"]);

/** Node's slow-client limits: all request headers within 10 s, the whole request within 30 s. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** An idle keep-alive connection is closed after 5 s. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

export async function createServer(config: Config, options: ServerOptions = {}): Promise<LivechatServer> {
  const logger = options.logger ?? createLogger({ node: config.nodeName }, config.logLevel);
  const web = config.adapters.includes("web");
  // Rooms and shared presence publish here; every transport subscribes (Socket.IO below,
  // SSE and gRPC per watched room).
  const pushes = new PushBus();
  const backend = await openStoreBackend(config, logger, pushes.publish, options.redis);
  const { store } = backend;
  // Nodes sharing Redis share a generated secret too, so a cookie from one works on all.
  const sharedSecret = config.sessionSecret ? undefined : await backend.sharedSessionSecret?.();
  const sessionSecrets: SessionSecrets = sharedSecret ? [sharedSecret] : await resolveSessionSecrets(config, logger);
  const hasher = new HasherPool();
  // Long-lived connections stop at the descriptor budget, which keeps headroom for
  // short requests, health checks and the store (server/descriptor-budget.ts).
  const connections = new ConnectionLimiter({
    perAddress: config.maxConnectionsPerAddress,
    total: config.maxConnections ?? connectionBudget(readOpenFileLimit()?.soft),
  });
  const metrics: Metrics = new Metrics({
    node: config.nodeName,
    connections: () => io?.engine.clientsCount ?? 0,
    admitted: () => connections.count,
    connectionBudget: connections.limits.total,
    liveRooms: (): number => registry.liveRooms,
    hashesWaiting: () => hasher.waiting,
  });
  const registry = new RegistryManager({
    store,
    pushes,
    logger,
    observer: metrics.roomObserver,
    historyWindow: config.historyWindow,
    maxLiveRooms: config.maxLiveRooms,
    idleMs: IDLE_ROOM_MS,
    ...(backend.createPresence ? { createPresence: backend.createPresence } : {}),
    ...(options.restartIntensity ? { restartIntensity: options.restartIntensity } : {}),
  });
  const accounts = new Accounts(store, { bcryptCost: config.bcryptCost, hasher });
  const streams = web
    ? new SseStreams({ registry, heartbeatMs: options.sseHeartbeatMs ?? SSE_HEARTBEAT_MS })
    : undefined;
  const deliveryStats = new DeliveryStats(metrics);
  // Who is typing: every node keeps the board of the rooms it has connections in, hearing the
  // others' changes on each room's channel (server/typing-channel.ts).
  let shareTyping: ((change: TypingChange) => void) | undefined;
  const typing = new TypingBoard({ publish: pushes.publish, share: (change) => shareTyping?.(change) });
  const departures = new Departures({
    leave: (room, connectionId) => registry.leave(room, connectionId),
    graceMs: options.departureGraceMs ?? DEPARTURE_GRACE_MS,
    retryMs: DEPARTURE_RETRY_MS,
    maxRetryMs: DEPARTURE_MAX_RETRY_MS,
    logger,
  });
  // Limits per address and per account count for the whole cluster where nodes share a Redis.
  const counters = new LimitCounters(backend.counters);
  const chat = new ChatService({
    typing,
    registry,
    accounts,
    authThrottle: new AuthThrottle(
      {
        ...AUTH_LIMITS,
        registrationsPerIp: { ...AUTH_LIMITS.registrationsPerIp, limit: config.registrationsPerHour },
        ...options.authLimits,
      },
      counters,
    ),
    sendLimiter: new SendLimiter({ ratePerSecond: config.messageRate, burst: config.messageBurst }, counters),
    connections,
    joins: new JoinLimiter({ ratePerSecond: config.joinRate, burst: config.joinBurst }, counters),
    departures,
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    inviteSecret: sessionSecrets[0],
    logger,
    observer: deliveryStats,
    // Bound below, once Socket.IO (and its adapter to the other nodes) exists.
    liveRooms: (): Promise<RoomSummary[]> => liveRooms(),
    sightingsElsewhere: (room, named) => sightingsElsewhere(room, named),
  });
  const api = createApiHandler({
    config,
    chat,
    registry,
    sessionSecrets,
    logger,
    metrics,
    connections: () => io?.engine.clientsCount ?? 0,
    reachability: () => backend.reachability(),
    ...(streams ? { streams } : {}),
  });
  const pages: Pages | undefined = options.pages === false || !web ? undefined : await startPages(config);

  // Node checks the two request timeouts every connectionsCheckingInterval (30 s by default).
  const httpServer = createHttpServer({ connectionsCheckingInterval: 2_000 }, (req, res) => {
    setSecurityHeaders(req, res, { dev: config.dev, https: isHttps(req) });
    const operations = OPERATIONS_PATHS.has((req.url ?? "/").split("?")[0]!);
    if (!web && !operations) {
      return void sendError(res, new HttpError(404, "not_found", "This node runs no web adapter (ADAPTERS); only /api/health is served."));
    }
    // Health and metrics answer anyone with counts only, and probes address the node itself.
    if (!operations && !isServedHost(req.headers, config.publicHosts)) {
      return void sendError(res, new HttpError(421, "forbidden", wrongHostMessage(config.publicHosts)));
    }
    if (req.url?.startsWith("/api/")) return void api(req, res);
    if (!pages) return void sendError(res, new HttpError(404, "not_found", "This node serves no pages."));
    pages.handle(req, res).catch((error: unknown) => {
      logger.error("page request failed", { url: req.url, error: String(error) });
      sendError(res, error);
    });
  });
  httpServer.headersTimeout = HEADERS_TIMEOUT_MS;
  httpServer.requestTimeout = REQUEST_TIMEOUT_MS;
  httpServer.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  httpServer.on("upgrade", upgradeGate({ dev: config.dev, socketIo: web, ...(pages ? { hmr: pages.upgrade } : {}) }));
  const io = web
    ? attachSocketServer(httpServer, { config, chat, sessionSecrets, logger, stats: deliveryStats, pushes: registry.pushes })
    : undefined;
  const stopPushes = io ? relayPushes(io, registry.pushes) : undefined;
  const liveRooms: () => Promise<RoomSummary[]> = io ? clusterRoomList(io, registry, logger) : async () => registry.list();
  const sightingsElsewhere: SightingsElsewhere = io ? clusterSightings(io, registry, logger) : async () => [];
  // Every member must have an open connection: the service checks presence against the
  // connections Socket.IO holds open, every few seconds.
  const presenceSweep = setInterval(() => {
    if (io) chat.sweepPresence((id) => io.of("/").sockets.has(id));
  }, PRESENCE_SWEEP_MS);
  presenceSweep.unref();
  if (io) await backend.attach(io);
  const typingChannel = io && backend.roomChannels ? shareTypingByRoom(io, backend.roomChannels, typing) : undefined;
  if (typingChannel) shareTyping = (change) => typingChannel.publish(change.room, change);
  let grpc: GrpcAdapter | undefined;

  return {
    httpServer,
    io,
    registry,
    metrics,
    streams,
    get grpc() {
      return grpc;
    },
    logger,
    deliveryStats,
    connections,
    damaged: backend.damaged ?? new Promise<never>(() => {}),
    listen: async () => {
      const address = await new Promise<AddressInfo>((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(config.port, config.host, () => resolve(httpServer.address() as AddressInfo));
      });
      if (config.adapters.includes("grpc")) {
        grpc = await startGrpcServer({ config, chat, registry, sessionSecrets, logger });
      }
      return address;
    },
    close: async () => {
      // This node's people leave their rooms while the other nodes can still be told.
      clearInterval(presenceSweep);
      await departures.close();
      await backend.closePresence();
      await registry.close();
      typing.close();
      typingChannel?.close();
      chat.watches.close();
      stopPushes?.();
      streams?.closeAll();
      await grpc?.close();
      // Disconnects every socket and stops accepting; idle keep-alive connections would
      // hold the HTTP server open, and requests still running get a short grace.
      const closed = new Promise<void>((resolve) => (io ? io.close(() => resolve()) : httpServer.close(() => resolve())));
      httpServer.closeIdleConnections();
      const grace = setTimeout(() => httpServer.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
      await closed;
      clearTimeout(grace);
      await pages?.close();
      await hasher.close();
      await backend.close();
    },
  };
}
