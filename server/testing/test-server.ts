// Test support: a real Livechat server on a free port (API and Socket.IO, no
// pages) and real socket.io-client connections to it, all closed in teardown;
// connectSocket opens one to any node as every test does.
// With LIVECHAT_TEST_STORE=postgres (the vitest "cluster" project) the same tests
// run against two nodes sharing a PostgreSQL and a redis-server started here; with
// LIVECHAT_TEST_STORE=redis-cluster (the "cluster-redis-cluster" project), a
// PostgreSQL and a three-master Redis Cluster started here. Connections alternate
// between the nodes, HTTP requests go to the first.
import { io as connectClient, type Socket as ClientSocket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/protocol";
import type { LivechatServer, ServerOptions } from "../create-server";
import { startNodesOnFreshPostgres, type PostgresEnv } from "./fresh-postgres";
import { startNodesOnRedisCluster } from "./fresh-redis-cluster";
import { startNode, type StartedNode } from "./node";

export type TestClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

export const ADMIN_TOKEN = "test-admin-token";

/** What a test node runs with unless the test says otherwise. */
export const TEST_ENV: Record<string, string> = {
  SESSION_SECRET: "a-test-secret-that-is-long-enough-1234567890",
  ADMIN_TOKEN,
  NODE_NAME: "test-node",
  BCRYPT_COST: "4",
  // Off unless a test is about it: tests that send fast from one connection
  // would meet the per-connection limit (10/s, burst 20) by design.
  MESSAGE_RATE: "0",
  // Likewise: every test client comes from 127.0.0.1, and some tests open hundreds of connections.
  MAX_CONNECTIONS_PER_ADDRESS: "0",
  JOIN_RATE: "0",
};

export interface SocketOptions {
  /** A guest's name, sent as the handshake's auth.name. */
  name?: string;
  cookie?: string;
  origin?: string;
  /** More handshake headers (X-Forwarded-For, behind a pretend proxy). */
  headers?: Record<string, string>;
  /** How long connecting may take (socket.io-client's own default is 20 s). */
  timeoutMs?: number;
  /** Told of the client before it connects, so that teardown closes it whatever happens. */
  opened?: (client: TestClient) => void;
}

/** A socket.io-client connection to `url` as the tests make one: WebSocket only, never reconnecting; resolves once connected. */
export function connectSocket(url: string, { name, cookie, origin, headers, timeoutMs, opened }: SocketOptions = {}): Promise<TestClient> {
  const client: TestClient = connectClient(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: name === undefined ? {} : { name },
    extraHeaders: { ...headers, ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) },
    ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
  });
  opened?.(client);
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("connect_error", reject);
  });
}

export interface ConnectOptions {
  cookie?: string;
  name?: string;
  origin?: string;
  /** Which node to connect to (an index into `nodes`); by default they take turns. */
  node?: number;
}

export interface TestServer {
  url: string;
  server: LivechatServer;
  /** Every node: one, or two in the cluster project. */
  nodes: StartedNode[];
  connect(options?: ConnectOptions): Promise<TestClient>;
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}, options: ServerOptions = {}): Promise<TestServer> {
  const shared = process.env.LIVECHAT_TEST_STORE;
  if ((shared === "postgres" || shared === "redis-cluster") && env.STORE === undefined) {
    return startTestCluster(env, options, shared);
  }
  const node = await startNode({ ...TEST_ENV, ...env }, options);
  return serve([node], () => node.close());
}

/**
 * Two nodes sharing a PostgreSQL (their store) and a redis-server of their own, or with
 * `shared` "redis-cluster" a three-master Redis Cluster; closing stops the nodes, then the servers.
 */
export async function startTestCluster(
  env: Record<string, string> = {},
  options: ServerOptions = {},
  shared: "postgres" | "redis-cluster" = "postgres",
): Promise<TestServer> {
  const startOne = (sharedEnv: PostgresEnv) => startNode({ ...TEST_ENV, ...sharedEnv, ...env }, options);
  const { nodes, stop } = shared === "redis-cluster" ? await startNodesOnRedisCluster(startOne) : await startNodesOnFreshPostgres(startOne);
  return serve(nodes, stop);
}

function serve(nodes: StartedNode[], closeNodes: () => Promise<void>): TestServer {
  const { url, server } = nodes[0]!;
  const clients: TestClient[] = [];
  let connections = 0;

  return {
    url,
    server,
    nodes,
    connect: ({ cookie, name, origin, node } = {}) =>
      connectSocket(nodes[(node ?? connections++) % nodes.length]!.url, { cookie, name, origin, opened: (client) => clients.push(client) }),
    request: (path, { json, headers, ...init } = {}) =>
      fetch(url + path, {
        ...init,
        headers: { ...(json === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      }),
    close: async () => {
      for (const client of clients) client.disconnect();
      await closeNodes();
    },
  };
}

/** The session cookie a response set, ready for a Cookie header. */
export function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith("livechat_session="));
  if (!cookie) throw new Error("the response set no session cookie");
  return cookie.split(";")[0]!;
}
