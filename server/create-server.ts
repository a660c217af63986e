// The composition root: wires config, store, registry, accounts, the HTTP API,
// the pages and Socket.IO into one HTTP server. Nothing here runs at import time.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Accounts } from "../lib/accounts/accounts";
import { createLogger, type Logger } from "../lib/logger";
import { RegistryManager, type RestartIntensity } from "../lib/rooms/registry";
import type { Publish } from "../lib/rooms/room";
import type { Config } from "./config";
import { createApiHandler } from "./http/api";
import { openStore } from "./open-store";
import { sendError, HttpError } from "./http/respond";
import { startPages, type Pages } from "./pages";
import { resolveSessionSecret } from "./session-secret";
import { attachSocketServer, type ChatServer } from "./socket";

export interface LivechatServer {
  httpServer: HttpServer;
  io: ChatServer;
  registry: RegistryManager;
  logger: Logger;
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Serve the Next.js pages too (false for API-and-socket-only servers in tests). */
  pages?: boolean;
  logger?: Logger;
  /** Tests that crash rooms on purpose loosen it; production keeps the registry's default. */
  restartIntensity?: RestartIntensity;
}

const IDLE_ROOM_MS = 60_000;
const SHUTDOWN_GRACE_MS = 3_000;

export async function createServer(config: Config, options: ServerOptions = {}): Promise<LivechatServer> {
  const logger = options.logger ?? createLogger({ node: config.nodeName }, config.logLevel);
  const sessionSecret = await resolveSessionSecret(config, logger);
  const store = await openStore(config, logger);
  // The registry publishes through Socket.IO (`io`, created below): rooms only publish
  // once clients have connected, so `io` is always there by then.
  const publish: Publish = (topic, event, payload) => {
    // Publish is typed per event already; Socket.IO's emit cannot follow a generic event name.
    (io.to(topic) as { emit(event: string, payload: unknown): boolean }).emit(event, payload);
  };
  const registry = new RegistryManager({
    store,
    publish,
    logger,
    historyWindow: config.historyWindow,
    maxLiveRooms: config.maxLiveRooms,
    idleMs: IDLE_ROOM_MS,
    ...(options.restartIntensity ? { restartIntensity: options.restartIntensity } : {}),
  });
  const accounts = new Accounts(store, { bcryptCost: config.bcryptCost });
  const api = createApiHandler({
    config,
    registry,
    accounts,
    sessionSecret,
    logger,
    connections: () => io.engine.clientsCount,
  });
  const pages: Pages | undefined = options.pages === false ? undefined : await startPages(config);

  const httpServer = createHttpServer((req, res) => {
    if (req.url?.startsWith("/api/")) return void api(req, res);
    if (!pages) return void sendError(res, new HttpError(404, "not_found", "This node serves no pages."));
    pages.handle(req, res).catch((error: unknown) => {
      logger.error("page request failed", { url: req.url, error: String(error) });
      sendError(res, error);
    });
  });
  const io = attachSocketServer(httpServer, { config, registry, accounts, sessionSecret, logger });

  return {
    httpServer,
    io,
    registry,
    logger,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(config.port, config.host, () => resolve(httpServer.address() as AddressInfo));
      }),
    close: async () => {
      await registry.close();
      // Disconnects every socket and stops accepting; idle keep-alive connections would
      // hold the HTTP server open, and requests still running get a short grace.
      const closed = new Promise<void>((resolve) => io.close(() => resolve()));
      httpServer.closeIdleConnections();
      const grace = setTimeout(() => httpServer.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
      await closed;
      clearTimeout(grace);
      await pages?.close();
      await store.close();
    },
  };
}
