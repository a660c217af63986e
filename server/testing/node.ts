// Test and bench support: one Livechat node in this process, composed as
// production composes it (createServer), listening on a free port unless told
// otherwise. The tests (test-server.ts, cluster.test.ts), the node of a process of
// its own (node-process.ts) and the bench's Livechat server all start it here.
import { loadConfig } from "../config";
import { createServer, type LivechatServer, type ServerOptions } from "../create-server";

export interface StartedNode {
  url: string;
  port: number;
  server: LivechatServer;
  close(): Promise<void>;
}

/**
 * Starts a node from `env` (read like `npm start` reads the environment) over
 * what every non-production node wants: loopback, free HTTP and gRPC ports (several
 * nodes run on one host at once), no data directory (memory only), no logs. No
 * pages unless `options.pages` asks for them: a test or bench never needs React.
 */
export async function startNode(env: Record<string, string | undefined>, options: ServerOptions = {}): Promise<StartedNode> {
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", GRPC_PORT: "0", DATA_DIR: "", LOG_LEVEL: "silent", ...env });
  const server = await createServer(config, { pages: false, ...options });
  const { port } = await server.listen();
  return { url: `http://127.0.0.1:${port}`, port, server, close: () => server.close() };
}
