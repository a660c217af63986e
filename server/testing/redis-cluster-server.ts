// Starts a Redis Cluster of three masters on free ports, for the tests and the bench:
// three redis-server processes in cluster mode, each in a folder of its own, joined
// with `redis-cli --cluster create` (which splits the 16384 slots between them), then
// waits until every node says the cluster is ok. Stops them all on close.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { findRedisServer, freePort, startRedisServer, type RedisServer } from "../redis-server";

const run = promisify(execFile);
const READY_TIMEOUT_MS = 20_000;

export interface RedisClusterServer {
  /** REDIS_URL for it: every master's URL, separated by commas. */
  url: string;
  masters: RedisServer[];
  stop(): Promise<void>;
}

export async function startRedisCluster({ dir, masters = 3 }: { dir: string; masters?: number }): Promise<RedisClusterServer> {
  const cli = path.join(path.dirname(findRedisServer()), "redis-cli");
  if (!existsSync(cli)) throw new Error(`No redis-cli beside redis-server (${cli}): it joins the cluster's nodes.`);
  const started: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(started.map((server) => server.stop()));
  };
  try {
    for (let index = 0; index < masters; index++) {
      const nodeDir = path.join(dir, `node-${index}`);
      mkdirSync(nodeDir, { recursive: true });
      started.push(await startRedisServer({ dir: nodeDir, clusterBusPort: await freePort() }));
    }
    const addresses = started.map((server) => `127.0.0.1:${server.port}`);
    await run(cli, ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"]);
    await waitForState(cli, started);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: started.map((server) => server.url).join(","), masters: started, stop };
}

/** Every node agrees the slots are covered: `cluster_state:ok` (they gossip for a moment first). */
async function waitForState(cli: string, servers: RedisServer[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const server of servers) {
    for (;;) {
      const { stdout } = await run(cli, ["-p", String(server.port), "cluster", "info"]);
      if (/^cluster_state:ok\b/m.test(stdout)) break;
      if (Date.now() > deadline) throw new Error(`the Redis Cluster was not ok after ${READY_TIMEOUT_MS} ms:\n${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
