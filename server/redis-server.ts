// Starts a local redis-server on a free port, for `npm run cluster` and the
// tests: finds the binary (installing Debian's package once when running as
// root with apt-get), waits for "Ready to accept connections", stops it on close.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";

const SYSTEM_PATHS = ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"];
const READY_TIMEOUT_MS = 15_000;

export interface RedisServerOptions {
  /** Where redis-server keeps its files (created when missing). */
  dir: string;
  /** A fixed port; a free one when unset. */
  port?: number;
  /**
   * Keep data across restarts in an append-only file, fsynced after every write
   * ("always") or once a second ("everysec"); unset: nothing is written to disk.
   */
  appendfsync?: "always" | "everysec";
  /**
   * Run in a process group of its own, so a Ctrl-C in the terminal reaches only its parent,
   * which stops it when the processes that use it are gone (`npm run cluster`).
   */
  ownProcessGroup?: boolean;
  /** Start in cluster mode, its cluster bus on this port (testing/redis-cluster-server.ts joins the nodes). */
  clusterBusPort?: number;
}

export interface RedisServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Stops it with SIGTERM (Redis flushes its append-only file first) and waits for the exit. */
  stop(): Promise<void>;
  /** Stops it at once, as a crash would. */
  kill(): Promise<void>;
}

function lookUp(): string | undefined {
  const fromEnv = process.env.REDIS_SERVER_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`REDIS_SERVER_PATH=${fromEnv} does not exist.`);
    return fromEnv;
  }
  const onPath = (process.env.PATH ?? "")
    .split(":")
    .filter(Boolean)
    .map((dir) => `${dir}/redis-server`);
  return [...onPath, ...SYSTEM_PATHS].find((path) => existsSync(path));
}

export function findRedisServer(): string {
  const found = lookUp();
  if (found) return found;
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    console.log("No redis-server found: installing Debian's redis-server package (apt-get, about 10 s)…");
    execFileSync("apt-get", ["update"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "redis-server"], { stdio: "inherit" });
    const installed = lookUp();
    if (installed) return installed;
  }
  throw new Error(
    "No redis-server found. Install Redis (`sudo apt-get install redis-server` on Debian/Ubuntu, " +
      "`brew install redis` on macOS), or point REDIS_SERVER_PATH at a redis-server binary.",
  );
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const binary = findRedisServer();
  const port = options.port ?? (await freePort());
  mkdirSync(options.dir, { recursive: true });
  const persistence = options.appendfsync
    ? ["--appendonly", "yes", "--appendfsync", options.appendfsync, "--save", ""]
    : ["--appendonly", "no", "--save", ""];
  const cluster =
    options.clusterBusPort === undefined
      ? []
      : ["--cluster-enabled", "yes", "--cluster-port", String(options.clusterBusPort), "--cluster-config-file", "nodes.conf"];
  const child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--dir", options.dir, ...persistence, ...cluster], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.ownProcessGroup ?? false,
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`redis-server was not ready after ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve();
      }
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => fail(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`)));
  });

  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    stop: () => stopWith("SIGTERM"),
    kill: () => stopWith("SIGKILL"),
  };
}
