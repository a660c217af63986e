// The process entry: read config, start the server, stop cleanly on SIGTERM/SIGINT.
import { createLogger, type Logger } from "../lib/logger";
import { DamagedData } from "../lib/store/damaged-data";
import { ConfigError, loadConfig } from "./config";
import { readOpenFileLimit } from "./descriptor-budget";

// Before Next and React load: they pick their builds by NODE_ENV.
(process.env as Record<string, string | undefined>).NODE_ENV ??= "production";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ node: config.nodeName }, config.logLevel);
  const web = config.adapters.includes("web");
  if (!config.dev && web) (await import("./pages")).ensureProductionBuild(logger);
  const { createServer } = await import("./create-server");
  const server = await createServer(config, { logger });
  reportDescriptorBudget(logger, server.connections.limits.total);
  const address = await server.listen();
  const host = config.host && config.host !== "0.0.0.0" && config.host !== "::" ? config.host : "localhost";
  logger.info(`Livechat is listening on http://${host}:${address.port}${web ? "" : " (health only)"}`, {
    mode: config.dev ? "development" : "production",
    store: config.store,
    adapters: config.adapters,
    ...(server.grpc ? { grpcPort: server.grpc.port } : {}),
  });

  // Damage found by the SQLite store's check after start-up stops the node as it would have stopped the start.
  void server.damaged.then(async (error) => {
    console.error(`Livechat stops: ${error.message}`);
    await server.close().catch(() => {});
    process.exit(1);
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info("stopping", { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("could not stop cleanly", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/** Below this many open files a busy node runs out; most distributions allow 1,024 by default. */
const FEW_OPEN_FILES = 8_192;

/** Says what the node may open and how many long-lived connections it admits (Node raised the soft limit to the hard one). */
function reportDescriptorBudget(logger: Logger, connectionBudget: number): void {
  const limit = readOpenFileLimit();
  const fields = { openFiles: limit?.soft ?? "unknown", connectionBudget };
  if (limit && limit.hard < FEW_OPEN_FILES) {
    logger.warn(
      `The open-file limit is ${limit.hard}, so this node admits ${connectionBudget} connections at once; raise it (ulimit -n 65536 in the shell that starts it, LimitNOFILE=65536 in a systemd unit, --ulimit nofile=65536 for Docker).`,
      fields,
    );
  } else {
    logger.info("descriptor budget", fields);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DamagedData) {
    console.error(`Livechat cannot start: ${error.message}`);
  } else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    console.error(`Livechat cannot start: port ${process.env.PORT ?? 3000} is in use; stop what holds it or set PORT to a free port.`);
  } else {
    console.error("Livechat cannot start:", error);
  }
  process.exit(1);
});
