// Configuration: every environment variable the server reads, parsed and
// validated here once, each with a default that works on a laptop.
import { hostname } from "node:os";
import path from "node:path";
import { LOG_LEVELS, type LogLevel } from "../lib/logger";

/** What a node serves: `web` is pages, the JSON API, SSE and Socket.IO; `grpc` the gRPC service. */
const ADAPTERS = ["web", "grpc"] as const;
export type Adapter = (typeof ADAPTERS)[number];

export interface Config {
  dev: boolean;
  port: number;
  host: string | undefined;
  /** Where the node keeps its files; empty means it keeps none (demos). */
  dataDir: string | undefined;
  /**
   * `sqlite`: the embedded store, one database in DATA_DIR (`memory` is its former
   * name and means the same); `postgres`: shared by several nodes. With DATA_DIR empty
   * the embedded store keeps everything in memory only. (`redis` is retired: see below.)
   */
  store: "sqlite" | "memory" | "postgres";
  /** With STORE=postgres: where users, rooms and history live. */
  databaseUrl: string | undefined;
  /** With STORE=postgres, optional: what flows between nodes (Socket.IO, presence, cluster-wide limits). */
  redisUrl: string | undefined;
  sessionSecret: string | undefined;
  /** Earlier secrets whose cookies are still accepted (SESSION_SECRET_PREVIOUS): rotation without logging everyone out. */
  previousSessionSecrets: string[];
  adminToken: string | undefined;
  historyWindow: number;
  maxLiveRooms: number;
  bcryptCost: number;
  grpcPort: number;
  adapters: Adapter[];
  nodeName: string;
  allowedOrigins: string[];
  logLevel: LogLevel;
  /** Sustained `message:send` rate allowed per connection; 0 turns the limit off. */
  messageRate: number;
  /** Messages a connection may send at once before the sustained rate applies. */
  messageBurst: number;
  /** Socket.IO connections, SSE streams and gRPC Watch streams open at once from one address; 0 turns the cap off. */
  maxConnectionsPerAddress: number;
  /** Long-lived connections open at once on this node; unset: sized from the open-file limit. */
  maxConnections: number | undefined;
  /** Sustained room joins a second from one address (`room:join`); 0 turns the limit off. */
  joinRate: number;
  /** Accounts one address may register in an hour (behind one NAT a community may need more). */
  registrationsPerHour: number;
  /** Joins one address may make at once before JOIN_RATE applies. */
  joinBurst: number;
  /** Bytes a connection may have waiting to go out before it is cut off as a slow consumer. */
  outboundBufferBytes: number;
  /**
   * Start even though the stored data is damaged, with what can be read (RECOVER_READABLE):
   * the operator's choice after a start-up refused because of damage.
   */
  recoverReadable: boolean;
  /**
   * PUBLIC_URL's host names, lower-case: when any is given, requests and handshakes whose
   * Host header names another host are refused (DNS rebinding). Empty: any Host is served.
   */
  publicHosts: string[];
  /** Behind a reverse proxy (TRUST_PROXY): the client address is the last X-Forwarded-For entry. */
  trustProxy: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const sessionSecret = optional(env, "SESSION_SECRET");
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError(
      "SESSION_SECRET must be at least 32 characters long; generate one with `openssl rand -base64 48`, or unset it to have one generated and kept in DATA_DIR.",
    );
  }
  const previousSessionSecrets = (optional(env, "SESSION_SECRET_PREVIOUS") ?? "")
    .split(",")
    .map((secret) => secret.trim())
    .filter(Boolean);
  if (previousSessionSecrets.some((secret) => secret.length < 32)) {
    throw new ConfigError(
      "SESSION_SECRET_PREVIOUS must be a comma-separated list of earlier SESSION_SECRET values, each at least 32 characters long.",
    );
  }
  if (previousSessionSecrets.length > 0 && sessionSecret === undefined) {
    throw new ConfigError(
      "SESSION_SECRET_PREVIOUS is set but SESSION_SECRET is not; set SESSION_SECRET to the new secret when rotating.",
    );
  }
  const store = optional(env, "STORE") ?? "sqlite";
  if (store === "redis") {
    // Redis's asynchronous replication can lose acknowledged writes in a failover, and it
    // holds a community's whole history in memory: history now lives in PostgreSQL.
    throw new ConfigError(
      "STORE=redis is retired as a history store: move the data once with `npx livechat migrate --from redis://… --to postgres://…`, then start the nodes with STORE=postgres DATABASE_URL=postgres://… and REDIS_URL=redis://… for what flows between them (docs/operations.md).",
    );
  }
  if (store !== "sqlite" && store !== "memory" && store !== "postgres") {
    throw new ConfigError(
      `STORE must be "sqlite" (the embedded store, in DATA_DIR) or "postgres" (PostgreSQL, shared by several nodes); got "${store}".`,
    );
  }
  const databaseUrl = optional(env, "DATABASE_URL");
  if (store === "postgres") {
    if (databaseUrl === undefined) {
      throw new ConfigError(
        "DATABASE_URL must be set when STORE=postgres, e.g. DATABASE_URL=postgres://livechat:password@127.0.0.1:5432/livechat.",
      );
    }
    parseDatabaseUrl(databaseUrl);
  }
  const redisUrl = optional(env, "REDIS_URL");
  // Used by STORE=postgres; the embedded store is one node's own.
  if (redisUrl !== undefined && store === "postgres") parseRedisUrl(redisUrl);
  const dataDir = env.DATA_DIR === undefined ? "./.data" : env.DATA_DIR.trim();
  const logLevel = optional(env, "LOG_LEVEL") ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}; got "${logLevel}".`);
  }
  return {
    dev: env.NODE_ENV === "development",
    port: integer(env, "PORT", 3000, 0, 65535),
    host: optional(env, "HOST"),
    dataDir: dataDir === "" ? undefined : path.resolve(dataDir),
    store,
    databaseUrl: store === "postgres" ? databaseUrl : undefined,
    redisUrl,
    sessionSecret,
    previousSessionSecrets,
    adminToken: optional(env, "ADMIN_TOKEN"),
    historyWindow: integer(env, "HISTORY_WINDOW", 100, 1, 1000),
    maxLiveRooms: integer(env, "MAX_LIVE_ROOMS", 10_000, 1, 10_000_000),
    bcryptCost: integer(env, "BCRYPT_COST", 10, 4, 15),
    grpcPort: integer(env, "GRPC_PORT", 50051, 0, 65535),
    adapters: adapters(env),
    nodeName: optional(env, "NODE_NAME") ?? `${hostname()}-${process.pid}`,
    allowedOrigins: (optional(env, "ALLOWED_ORIGINS") ?? "")
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean)
      .map((origin) => parseOrigin(origin)),
    logLevel: logLevel as LogLevel,
    messageRate: integer(env, "MESSAGE_RATE", 10, 0, 1_000_000),
    messageBurst: integer(env, "MESSAGE_BURST", 20, 1, 1_000_000),
    maxConnectionsPerAddress: integer(env, "MAX_CONNECTIONS_PER_ADDRESS", 50, 0, 10_000_000),
    maxConnections: optional(env, "MAX_CONNECTIONS") === undefined ? undefined : integer(env, "MAX_CONNECTIONS", 0, 1, 10_000_000),
    joinRate: integer(env, "JOIN_RATE", 10, 0, 1_000_000),
    joinBurst: integer(env, "JOIN_BURST", 50, 1, 1_000_000),
    registrationsPerHour: integer(env, "REGISTRATIONS_PER_HOUR", 10, 1, 1_000_000),
    outboundBufferBytes: integer(env, "OUTBOUND_BUFFER_BYTES", 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    trustProxy: boolean(env, "TRUST_PROXY"),
    recoverReadable: boolean(env, "RECOVER_READABLE"),
    publicHosts: publicHosts(env),
  };
}

function boolean(env: Env, name: string): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined || raw === "false" || raw === "0") return false;
  if (raw === "true" || raw === "1") return true;
  throw new ConfigError(`${name} must be true or false; got "${raw}".`);
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}".`);
  }
  return value;
}

function adapters(env: Env): Adapter[] {
  const raw = optional(env, "ADAPTERS");
  if (raw === undefined) return [...ADAPTERS];
  const names = raw.split(",").map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !(ADAPTERS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigError(
      `ADAPTERS must be a comma-separated list of ${ADAPTERS.join(" and ")} (for example "web,grpc"); got "${raw}".`,
    );
  }
  return ADAPTERS.filter((name) => names.includes(name));
}

/** One Redis URL, or a Redis Cluster's nodes: several URLs separated by commas. */
function parseRedisUrl(value: string): void {
  const urls = value.split(",").map((entry) => entry.trim());
  if (urls.length > 1 && urls.some((entry) => entry === "")) {
    throw new ConfigError(
      `REDIS_URL lists a Redis Cluster's nodes separated by commas, with no empty entry, e.g. redis://10.0.0.1:6379,redis://10.0.0.2:6379,redis://10.0.0.3:6379; "${redact(value)}" has an empty one.`,
    );
  }
  for (const url of urls) parseOneRedisUrl(url, value);
}

function redact(value: string): string {
  return value.replace(/:[^:@/,]*@/g, ":***@");
}

function parseOneRedisUrl(value: string, whole: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "redis:" && url.protocol !== "rediss:") || !url.hostname) {
    throw new ConfigError(
      `REDIS_URL must be a Redis URL like redis://host:6379 (or rediss:// for TLS, redis://:password@host:6379/0), or a Redis Cluster's node URLs separated by commas; "${redact(value)}"${value === whole ? "" : ` in "${redact(whole)}"`} is not one.`,
    );
  }
}

function publicHosts(env: Env): string[] {
  const raw = optional(env, "PUBLIC_URL");
  if (raw === undefined) return [];
  return raw
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      let url: URL | undefined;
      try {
        url = new URL(entry);
      } catch {
        // reported below
      }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) {
        throw new ConfigError(
          `PUBLIC_URL must be the address people use to reach the chat, like https://chat.example.com (several separated by commas); "${entry}" is not one.`,
        );
      }
      return url.hostname.toLowerCase();
    });
}

function parseDatabaseUrl(value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "postgres:" && url.protocol !== "postgresql:") || !url.hostname) {
    throw new ConfigError(
      `DATABASE_URL must be a PostgreSQL URL like postgres://user:password@host:5432/livechat; "${value.replace(/:[^:@/]*@/, ":***@")}" is not one.`,
    );
  }
}

function parseOrigin(origin: string): string {
  try {
    const url = new URL(origin);
    if (url.protocol === "http:" || url.protocol === "https:") return url.origin;
  } catch {
    // reported below
  }
  throw new ConfigError(
    `ALLOWED_ORIGINS must be a comma-separated list of origins like https://chat.example.com; "${origin}" is not one.`,
  );
}
