// A process entry serving the API and Socket.IO without the Next pages: tests start,
// kill -9 and restart it as a real process on a DATA_DIR, with no build needed.
// Start it with `node --import tsx server/headless.ts`; it logs "listening" with its port.
import { createLogger } from "../lib/logger";
import { loadConfig } from "./config";
import { createServer } from "./create-server";

const config = loadConfig();
const logger = createLogger({ node: config.nodeName }, config.logLevel);
const server = await createServer(config, { pages: false, logger });
const { port } = await server.listen();
logger.info("listening", { port });
process.on("SIGTERM", () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
