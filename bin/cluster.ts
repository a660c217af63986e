// `npm run cluster`: the production topology on one machine. PostgreSQL (data in
// DATA_DIR/cluster/postgres) keeps what lasts, a redis-server (DATA_DIR/cluster/redis)
// carries what flows, three nodes on PORT+1..PORT+3 share them, and nginx in front on
// PORT (3000) spreads connections over the nodes with no sticky sessions. Prints the
// one URL to open; Ctrl-C stops nginx, the nodes, then Redis and PostgreSQL.
import path from "node:path";
import { createLogger } from "../lib/logger";
import { ConfigError, loadConfig } from "../server/config";
import { CLUSTER_SIZE, startLocalCluster } from "../server/local-cluster";
import { ensureProductionBuild } from "../server/pages";

/** Set by Ctrl-C or SIGTERM; one that comes during start-up stops everything once it has started. */
let stopRequested = false;
let stopNow: (() => void) | undefined;
const requestStop = () => {
  if (stopRequested) return;
  stopRequested = true;
  if (stopNow) stopNow();
  else console.log("\nStopping once everything has started…");
};
process.on("SIGINT", requestStop);
process.on("SIGTERM", requestStop);

try {
  const config = loadConfig({ ...process.env, STORE: "memory" });
  const logger = createLogger({ node: "cluster" }, config.logLevel);
  const dataDir = path.join(config.dataDir ?? path.resolve(".data"), "cluster");
  const ports = Array.from({ length: CLUSTER_SIZE }, (_, i) => config.port + 1 + i);
  const grpcPorts = Array.from({ length: CLUSTER_SIZE }, (_, i) => config.grpcPort + i);
  ensureProductionBuild(logger);
  console.log(`Starting PostgreSQL, Redis, ${CLUSTER_SIZE} nodes and nginx…`);
  // Without SESSION_SECRET the nodes generate one secret and share it through PostgreSQL.
  const cluster = await startLocalCluster({
    dataDir,
    ports,
    grpcPorts,
    balancerPort: config.port,
    env: { DATA_DIR: dataDir },
    ownProcessGroups: true,
  });
  // The children have process groups of their own (a Ctrl-C reaches only this process, which
  // stops them in order): should this process end without stopping them, they end with it.
  process.once("exit", () => cluster.killNow());

  stopNow = () => {
    console.log("\nStopping nginx, the nodes, then Redis and PostgreSQL…");
    cluster.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("Could not stop cleanly:", error);
        process.exit(1);
      },
    );
  };
  if (stopRequested) {
    stopNow();
  } else {
    console.log(`\nLivechat is up: ${cluster.url}\n`);
    // One address to open: the nodes' own ports are nginx's business.
    console.log(`  nginx spreads it over ${cluster.nodes.map((node) => node.name).join(", ")} (ports ${ports.join(", ")});`);
    console.log(`  PostgreSQL on port ${cluster.postgres!.port} (data in ${path.join(dataDir, "postgres")}), Redis on port ${cluster.redis.port}.`);
    console.log("Each page's footer says which node serves it. Ctrl-C stops everything.\n");

    for (const node of cluster.nodes) {
      node.process.once("exit", (code, signal) => {
        if (!stopRequested) console.log(`${node.name} stopped (${signal ?? `code ${code}`}); nginx sends its clients to the others.`);
      });
    }
  }
} catch (error) {
  console.error(`The cluster cannot start: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
