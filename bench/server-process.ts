// The entry of a server under test in its own process (pinned to its own core by
// the bench). It answers the bench over IPC: its port, its CPU time over a scenario,
// and its heap and RSS after a full GC.
import { startServer } from "./servers/start";
import type { ServerKind, BenchServerOptions } from "./servers/types";

export type ServerRequest = { type: "cpu-start" } | { type: "cpu-stop" } | { type: "memory" } | { type: "close" };
export type ServerReply =
  | { type: "ready"; port: number }
  | { type: "cpu"; cpuMs: number }
  | { type: "memory"; heapUsed: number; rss: number }
  | { type: "closed" };

const kind = process.argv[2] as ServerKind;
const options = JSON.parse(process.argv[3] ?? "{}") as BenchServerOptions;
const send = (reply: ServerReply) => process.send?.(reply);

const server = await startServer(kind, options);
let cpuFrom = process.cpuUsage();
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
