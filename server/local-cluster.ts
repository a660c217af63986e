// A local cluster: one redis-server with its own data folder and several
// Livechat nodes (production server processes) sharing it. Used by
// `npm run cluster` and the cluster end-to-end test.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { PROJECT_DIR } from "./pages";
import { freePort, startRedisServer, type RedisServer } from "./redis-server";

const READY_TIMEOUT_MS = 60_000;

export interface ClusterNode {
  name: string;
  url: string;
  grpcPort: number;
  process: ChildProcess;
}

export interface LocalCluster {
  redis: RedisServer;
  nodes: ClusterNode[];
  /** Stops every node (SIGTERM, they leave cleanly), then Redis. */
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  /** Redis keeps its files in `<dataDir>/redis`. */
  dataDir: string;
  /** One node per port, named node-1, node-2, … */
  ports: number[];
  /** Each node's GRPC_PORT, beside `ports`; free ports when not given. */
  grpcPorts?: number[];
  /** Shared by every node: e.g. DATA_DIR; without SESSION_SECRET the nodes share one generated through Redis. */
  env: Record<string, string>;
  /** Where the nodes' logs go. */
  stdio?: "inherit" | "ignore";
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const redis = await startRedisServer({ dir: path.join(options.dataDir, "redis"), appendfsync: "everysec" });
  const grpcPorts = options.grpcPorts ?? (await Promise.all(options.ports.map(() => freePort())));
  const nodes = options.ports.map((port, i) => {
    const name = `node-${i + 1}`;
    const grpcPort = grpcPorts[i]!;
    const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
      cwd: PROJECT_DIR,
      env: {
        ...process.env,
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        ...options.env,
        PORT: String(port),
        GRPC_PORT: String(grpcPort),
        STORE: "redis",
        REDIS_URL: redis.url,
        NODE_NAME: name,
      },
      stdio: ["ignore", options.stdio ?? "inherit", options.stdio ?? "inherit"],
    });
    return { name, url: `http://127.0.0.1:${port}`, grpcPort, process: child };
  });

  const stop = async () => {
    await Promise.all(nodes.map((node) => stopProcess(node.process)));
    await redis.stop();
  };
  try {
    await Promise.all(nodes.map((node) => waitUntilHealthy(node)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { redis, nodes, stop };
}

async function waitUntilHealthy(node: ClusterNode): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (node.process.exitCode !== null) throw new Error(`${node.name} exited with code ${node.process.exitCode} while starting.`);
    const healthy = await fetch(`${node.url}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${node.name} did not answer ${node.url}/api/health within ${READY_TIMEOUT_MS / 1000} s.`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
