// A local cluster: Livechat nodes (production server processes) on STORE=postgres
// sharing a PostgreSQL and a redis-server, each with its data folder,
// and optionally nginx in front of them on one port. Used by `npm run cluster`
// and the cluster end-to-end test.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startNginx, type LocalNginx } from "./nginx";
import { PROJECT_DIR } from "./pages";
import { startPostgresServer, type PostgresServer } from "./postgres-server";
import { freePort, startRedisServer, type RedisServer } from "./redis-server";

const READY_TIMEOUT_MS = 60_000;
/** The database `npm run cluster` (and docker-compose.yml) keeps Livechat's data in. */
export const CLUSTER_DATABASE = "livechat";
/** Nodes `npm run cluster` (and docker-compose.yml) runs behind nginx. */
export const CLUSTER_SIZE = 3;

/** The name of the cluster's `index`th node (from 0): node-1, node-2, … */
export function clusterNodeName(index: number): string {
  return `node-${index + 1}`;
}

export interface ClusterNode {
  name: string;
  url: string;
  grpcPort: number;
  process: ChildProcess;
}

export interface LocalCluster {
  redis: RedisServer;
  postgres: PostgresServer;
  /** With a balancerPort. */
  nginx: LocalNginx | undefined;
  nodes: ClusterNode[];
  /** The address people use: nginx's, else the first node's. */
  url: string;
  /** Stops nginx, then every node (SIGTERM, they leave cleanly), then Redis and PostgreSQL. */
  stop(): Promise<void>;
  /** SIGKILLs whatever still runs, at once: for a parent exiting without stop(). */
  killNow(): void;
}

export interface LocalClusterOptions {
  /** Redis keeps its files in `<dataDir>/redis`, PostgreSQL in `<dataDir>/postgres`. */
  dataDir: string;
  /** One node per port, named node-1, node-2, … */
  ports: number[];
  /** Each node's GRPC_PORT, beside `ports`; free ports when not given. */
  grpcPorts?: number[];
  /** nginx in front of the nodes on this port (127.0.0.1), its files in a temporary folder; the nodes then trust its X-Forwarded-For. */
  balancerPort?: number;
  /** Shared by every node: e.g. DATA_DIR; without SESSION_SECRET the nodes share one generated in the shared store. */
  env: Record<string, string>;
  /** Where the nodes' logs go. */
  stdio?: "inherit" | "ignore";
  /**
   * Every process in a process group of its own: a Ctrl-C in the terminal then reaches
   * only the parent, which stops them in order (the nodes leave while Redis and
   * PostgreSQL are still there). The parent must then stop them, or killNow() on exit.
   */
  ownProcessGroups?: boolean;
}

/**
 * What every node of a cluster is given besides its name and ports: where what lasts
 * and what flows live, and, behind a balancer, that the client's address is the last
 * X-Forwarded-For entry. docker-compose.yml gives its nodes the same (a test checks).
 */
export function clusterNodeEnv(urls: { databaseUrl: string; redisUrl: string; behindBalancer: boolean }): Record<string, string> {
  return {
    STORE: "postgres",
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
    ...(urls.behindBalancer ? { TRUST_PROXY: "true" } : {}),
  };
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  let redis: RedisServer | undefined;
  let postgres: PostgresServer | undefined;
  let nginx: LocalNginx | undefined;
  let nginxDir: string | undefined;
  const nodes: ClusterNode[] = [];
  const stop = async () => {
    await nginx?.stop();
    if (nginxDir) rmSync(nginxDir, { recursive: true, force: true });
    await Promise.all(nodes.map((node) => stopProcess(node.process)));
    await Promise.all([redis?.stop(), postgres?.stop()]);
  };

  try {
    const ownProcessGroup = options.ownProcessGroups ?? false;
    redis = await startRedisServer({ dir: path.join(options.dataDir, "redis"), appendfsync: "everysec", ownProcessGroup });
    postgres = await startPostgresServer({ dir: path.join(options.dataDir, "postgres"), ownProcessGroup });
    const shared = clusterNodeEnv({
      databaseUrl: await postgres.ensureDatabase(CLUSTER_DATABASE),
      redisUrl: redis.url,
      behindBalancer: options.balancerPort !== undefined,
    });
    const grpcPorts = options.grpcPorts ?? (await Promise.all(options.ports.map(() => freePort())));
    for (const [i, port] of options.ports.entries()) {
      const name = clusterNodeName(i);
      const grpcPort = grpcPorts[i]!;
      const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
        cwd: PROJECT_DIR,
        env: {
          ...process.env,
          NODE_ENV: "production",
          HOST: "127.0.0.1",
          ...options.env,
          ...shared,
          PORT: String(port),
          GRPC_PORT: String(grpcPort),
          NODE_NAME: name,
        },
        stdio: ["ignore", options.stdio ?? "inherit", options.stdio ?? "inherit"],
        detached: ownProcessGroup,
      });
      nodes.push({ name, url: `http://127.0.0.1:${port}`, grpcPort, process: child });
    }
    await Promise.all(nodes.map((node) => waitUntilHealthy(node)));
    if (options.balancerPort !== undefined) {
      nginxDir = mkdtempSync(path.join(tmpdir(), "livechat-nginx-"));
      nginx = await startNginx({
        dir: nginxDir,
        port: options.balancerPort,
        upstreams: options.ports.map((port) => `127.0.0.1:${port}`),
        ownProcessGroup,
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const killNow = () => {
    for (const child of [nginx?.process, ...nodes.map((node) => node.process), redis?.process, postgres?.process]) {
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  };
  return { redis, postgres, nginx, nodes, url: nginx?.url ?? nodes[0]!.url, stop, killNow };
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
