// Test support: a real Livechat server on a free port (API and Socket.IO, no
// pages) and real socket.io-client connections to it, all closed in teardown.
import { io as connectClient, type Socket as ClientSocket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../lib/protocol";
import { loadConfig } from "./config";
import { createServer, type LivechatServer, type ServerOptions } from "./create-server";

export type TestClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

export const ADMIN_TOKEN = "test-admin-token";

export interface ConnectOptions {
  cookie?: string;
  name?: string;
  origin?: string;
}

export interface TestServer {
  url: string;
  server: LivechatServer;
  connect(options?: ConnectOptions): Promise<TestClient>;
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: Omit<ServerOptions, "pages"> = {},
): Promise<TestServer> {
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: "",
    SESSION_SECRET: "a-test-secret-that-is-long-enough-1234567890",
    ADMIN_TOKEN,
    NODE_NAME: "test-node",
    LOG_LEVEL: "silent",
    BCRYPT_COST: "4",
    ...env,
  });
  const server = await createServer(config, { ...options, pages: false });
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  const clients: TestClient[] = [];

  return {
    url,
    server,
    connect: ({ cookie, name, origin } = {}) => {
      const client: TestClient = connectClient(url, {
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
        auth: name === undefined ? {} : { name },
        extraHeaders: { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) },
      });
      clients.push(client);
      return new Promise((resolve, reject) => {
        client.once("connect", () => resolve(client));
        client.once("connect_error", reject);
      });
    },
    request: (path, { json, headers, ...init } = {}) =>
      fetch(url + path, {
        ...init,
        headers: { ...(json === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      }),
    close: async () => {
      for (const client of clients) client.disconnect();
      await server.close();
    },
  };
}

/** The session cookie a response set, ready for a Cookie header. */
export function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith("livechat_session="));
  if (!cookie) throw new Error("the response set no session cookie");
  return cookie.split(";")[0]!;
}
