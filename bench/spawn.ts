// Starts a server under test in its own process, pinned to core 0 with `taskset`
// while the load generator (this process) is pinned to core 1.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import type { ServerReply, ServerRequest } from "./server-process";
import type { ServerKind, BenchServerOptions } from "./servers/types";

const SERVER_CORE = "0";
const LOAD_CORE = "1";
const ENTRY = new URL("./server-process.ts", import.meta.url).pathname;

export const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Pins the calling process (the load generator) to its core; false where taskset is missing. */
export function pinLoadGenerator(): boolean {
  if (!hasTaskset) return false;
  try {
    execFileSync("taskset", ["-a", "-p", "-c", LOAD_CORE, String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export class ServerHandle {
  private constructor(
    readonly kind: ServerKind,
    readonly port: number,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(kind: ServerKind, options: Partial<BenchServerOptions> = {}): Promise<ServerHandle> {
    const full: BenchServerOptions = { port: 0, push: "full", ...options };
    const node = [process.execPath, ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir=" + process.env.BENCH_CPU_PROF] : []), "--expose-gc", "--import", "tsx", ENTRY, kind, JSON.stringify(full)];
    const [command, ...args] = hasTaskset ? ["taskset", "-c", SERVER_CORE, ...node] : node;
    const child = spawn(command!, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], cwd: process.cwd() });
    const port = await new Promise<number>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`${kind} server exited with code ${code} before it was ready`)));
      child.on("message", (reply: ServerReply) => {
        if (reply.type === "ready") resolve(reply.port);
      });
    });
    child.removeAllListeners("exit");
    return new ServerHandle(kind, port, `http://127.0.0.1:${port}`, child);
  }

  private ask<T extends ServerReply["type"]>(request: ServerRequest, answer: T): Promise<Extract<ServerReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: ServerReply) => {
        if (reply.type !== answer) return;
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        resolve(reply as Extract<ServerReply, { type: T }>);
      };
      const onExit = () => reject(new Error(`${this.kind} server exited`));
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      this.child.send(request);
    });
  }

  startCpu(): void {
    this.child.send({ type: "cpu-start" } satisfies ServerRequest);
  }

  async stopCpu(): Promise<number> {
    return (await this.ask({ type: "cpu-stop" }, "cpu")).cpuMs;
  }

  startLag(): void {
    this.child.send({ type: "lag-start" } satisfies ServerRequest);
  }

  stopLag(): Promise<{ p50Ms: number; p99Ms: number; maxMs: number }> {
    return this.ask({ type: "lag-stop" }, "lag");
  }

  async dropConnections(keep: string[]): Promise<number> {
    return (await this.ask({ type: "drop", keep }, "dropped")).count;
  }

  memory(): Promise<{ heapUsed: number; rss: number }> {
    return this.ask({ type: "memory" }, "memory");
  }

  /** Kills the process at once, as a crash or a restart would drop its sockets. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGKILL");
    await exited;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.send({ type: "close" } satisfies ServerRequest);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts one server of each kind at once (start-up is seconds of tsx on a busy
 * machine); a scenario then takes them in turn. Idle servers cost the others nothing.
 */
export function prestart(kinds: ServerKind[], options: Partial<BenchServerOptions> = {}) {
  const started = new Map(kinds.map((kind) => [kind, startHandled(kind, options)] as const));
  return {
    take: (kind: ServerKind) => started.get(kind)!,
    closeAll: async () => {
      await Promise.all([...started.values()].map((server) => server.then((handle) => handle.close(), () => undefined)));
    },
  };
}

/** Measures each kind in turn on servers started side by side ahead of time; closes every one. */
export async function eachServer(
  kinds: ServerKind[],
  options: Partial<BenchServerOptions>,
  measure: (kind: ServerKind, server: ServerHandle) => Promise<void>,
): Promise<void> {
  const pool = prestart(kinds, options);
  try {
    for (const kind of kinds) {
      const server = await pool.take(kind);
      try {
        await measure(kind, server);
      } finally {
        await server.close();
      }
    }
  } finally {
    await pool.closeAll();
  }
}

/** A start whose failure surfaces where it is awaited, not as an unhandled rejection before. */
export function startHandled(kind: ServerKind, options: Partial<BenchServerOptions> = {}): Promise<ServerHandle> {
  const starting = ServerHandle.start(kind, options);
  starting.catch(() => undefined);
  return starting;
}
