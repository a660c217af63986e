// The entry of a server under test in its own process (pinned to its own core by
// the bench). It answers the bench over IPC: its port, its CPU time over a scenario,
// its heap and RSS after a full GC, and its event-loop delay over a scenario.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startServer } from "./servers/start";
import type { ServerKind, BenchServerOptions } from "./servers/types";

export type ServerRequest =
  | { type: "cpu-start" }
  | { type: "cpu-stop" }
  | { type: "lag-start" }
  | { type: "lag-stop" }
  | { type: "drop"; keep: string[] }
  | { type: "memory" }
  | { type: "close" };
export type ServerReply =
  | { type: "ready"; port: number }
  | { type: "cpu"; cpuMs: number }
  | { type: "lag"; p50Ms: number; p99Ms: number; maxMs: number }
  | { type: "dropped"; count: number }
  | { type: "memory"; heapUsed: number; rss: number }
  | { type: "closed" };

const kind = process.argv[2] as ServerKind;
const options = JSON.parse(process.argv[3] ?? "{}") as BenchServerOptions;
const send = (reply: ServerReply) => process.send?.(reply);

const server = await startServer(kind, options);
let cpuFrom = process.cpuUsage();
const lag = monitorEventLoopDelay({ resolution: 10 });
send({ type: "ready", port: server.port });

process.on("message", async (request: ServerRequest) => {
  switch (request.type) {
    case "cpu-start":
      cpuFrom = process.cpuUsage();
      return;
    case "cpu-stop": {
      const used = process.cpuUsage(cpuFrom);
      return send({ type: "cpu", cpuMs: (used.user + used.system) / 1000 });
    }
    case "lag-start":
      lag.reset();
      lag.enable();
      return;
    case "lag-stop":
      lag.disable();
      return send({ type: "lag", p50Ms: lag.percentile(50) / 1e6, p99Ms: lag.percentile(99) / 1e6, maxMs: lag.max / 1e6 });
    case "drop":
      if (!server.dropConnections) throw new Error(`${kind} cannot drop its connections`);
      return send({ type: "dropped", count: server.dropConnections(request.keep) });
    case "memory": {
      const gc = (globalThis as { gc?: () => void }).gc;
      for (let i = 0; i < 3; i++) {
        gc?.();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const { heapUsed, rss } = process.memoryUsage();
      return send({ type: "memory", heapUsed, rss });
    }
    case "close":
      await server.close();
      send({ type: "closed" });
      process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
