// Test support: a production-like Livechat server in a child process of its own
// (node-process.ts) on a data directory, so a test can kill it with SIGKILL (or pause
// it) and start another on the same DATA_DIR, or one node of several on a shared
// PostgreSQL. Every process started here is killed in `killAll`.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** The JSON log lines it printed so far. */
  logs: Array<Record<string, unknown>>;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
}

const children: ChildProcess[] = [];

/**
 * Starts a server on `dataDir` (the default store, SQLite; "" with `env` STORE=postgres
 * for a node of a cluster) and resolves once it listens.
 */
export function startServerProcess(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/testing/node-process.ts"], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      BCRYPT_COST: "4",
      NODE_NAME: "kill-test",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const logs: Array<Record<string, unknown>> = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      // node-process.ts prints {"port":N} once it listens; log lines have a msg.
      if (entry.msg === undefined && typeof entry.port === "number") {
        resolve({ child, url: `http://127.0.0.1:${entry.port}`, port: entry.port, logs, kill });
      }
    });
  });
}

/** Kills every server process this file started that is still running (for afterAll). */
export function killAll(): void {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}
