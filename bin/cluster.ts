// `npm run cluster`: a local redis-server (its own free port, data in
// DATA_DIR/cluster/redis) and two Livechat nodes on :3001 and :3002 sharing it.
// Prints their URLs; Ctrl-C stops them all.
import path from "node:path";
import { createLogger } from "../lib/logger";
import { ConfigError, loadConfig } from "../server/config";
import { startLocalCluster } from "../server/local-cluster";
import { ensureProductionBuild } from "../server/pages";

const PORTS = [3001, 3002];
const GRPC_PORTS = [50051, 50052];

try {
  const config = loadConfig({ ...process.env, STORE: "memory" });
  const logger = createLogger({ node: "cluster" }, config.logLevel);
  const dataDir = path.join(config.dataDir ?? path.resolve(".data"), "cluster");
  ensureProductionBuild(logger);
  // Without SESSION_SECRET the nodes generate one secret and share it through Redis.
  const cluster = await startLocalCluster({ dataDir, ports: PORTS, grpcPorts: GRPC_PORTS, env: { DATA_DIR: dataDir } });

  console.log(`\nLivechat cluster is up: Redis at ${cluster.redis.url} (data in ${path.join(dataDir, "redis")})`);
  for (const node of cluster.nodes) console.log(`  ${node.name}: ${node.url} (gRPC on port ${node.grpcPort})`);
  console.log("Open both in two browsers; each page's footer says which node served it. Ctrl-C stops everything.\n");

  let stopping = false;
  for (const node of cluster.nodes) {
    node.process.once("exit", (code, signal) => {
      if (!stopping) console.log(`${node.name} stopped (${signal ?? `code ${code}`}); the other node keeps serving.`);
    });
  }
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log("\nStopping the nodes, then Redis…");
    cluster.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("Could not stop cleanly:", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  console.error(`The cluster cannot start: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
