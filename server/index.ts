// The process entry: read config, start the server, stop cleanly on SIGTERM/SIGINT.
import { createLogger } from "../lib/logger";
import { DamagedData } from "../lib/store/damaged-data";
import { ConfigError, loadConfig } from "./config";

// Before Next and React load: they pick their builds by NODE_ENV.
(process.env as Record<string, string | undefined>).NODE_ENV ??= "production";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ node: config.nodeName }, config.logLevel);
  const web = config.adapters.includes("web");
  if (!config.dev && web) (await import("./pages")).ensureProductionBuild(logger);
  const { createServer } = await import("./create-server");
  const server = await createServer(config, { logger });
  const address = await server.listen();
  const host = config.host && config.host !== "0.0.0.0" && config.host !== "::" ? config.host : "localhost";
  logger.info(`Livechat is listening on http://${host}:${address.port}${web ? "" : " (health only)"}`, {
    mode: config.dev ? "development" : "production",
    store: config.store,
    adapters: config.adapters,
    ...(server.grpc ? { grpcPort: server.grpc.port } : {}),
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
