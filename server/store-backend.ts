// The node's store, chosen by STORE: the embedded store (SQLite in DATA_DIR, or
// memory only when DATA_DIR is empty) or PostgreSQL shared by several nodes. Redis
// (REDIS_URL) brings shared presence and Socket.IO's Redis adapter (pushes from any
// node reach the sockets of every node).
import { randomBytes, randomUUID } from "node:crypto";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import type { SharedCounters } from "../lib/limits/counters";
import type { Logger } from "../lib/logger";
import type { RoomPresence } from "../lib/presence/presence";
import type { Publish } from "../lib/pushes/push-bus";
import { MemoryStore } from "../lib/store/memory";
import { openPostgresStore, redactUrl as redactDatabaseUrl } from "../lib/store/postgres";
import { openSqliteStore, SqliteStore } from "../lib/store/sqlite";
import { redactUrls, redisTopology } from "../lib/store/redis-cluster";
import type { RedisClient } from "../lib/store/redis-connection";
import { openRoomChannel, type RoomChannels } from "../lib/pushes/room-channels";
import { SharedPresence } from "../lib/presence/redis";
import type { Store } from "../lib/store/store";
import { ConfigError, type Config } from "./config";
import type { ChatServer } from "./socket";

export interface StoreBackend {
  store: Store;
  /** Presence shared with the other nodes; undefined: this node's own. */
  createPresence?: (room: string) => RoomPresence;
  /** Where rate limits count for the whole cluster (Redis); undefined: each node counts its own. */
  counters?: SharedCounters;
  /** A session secret generated once and kept where every node finds it (when SESSION_SECRET is unset). */
  sharedSessionSecret?: () => Promise<string>;
  /** Socket.IO reaches the other nodes (a Redis adapter): server-side events cross nodes. */
  sharesSockets?: boolean;
  /** Per-room channels to the other nodes that have connections in a room (Redis sharded pub/sub). */
  roomChannels?: RoomChannels;
  /** Connects Socket.IO to the other nodes and starts this node's presence heartbeat. */
  attach(io: ChatServer): Promise<void>;
  /** This node's people leave every room, as the other nodes see it. */
  closePresence(): Promise<void>;
  /** Whether this node reaches each shared server it uses now (PostgreSQL, Redis), for /api/health. */
  reachability(): Promise<Reachability>;
  close(): Promise<void>;
  /** Settles if the embedded store finds damage after start-up: the node must stop (lib/store/sqlite.ts). */
  damaged?: Promise<Error>;
}

/** Each shared server a node uses, and whether it answered just now; the embedded store uses none. */
export interface Reachability {
  postgres?: boolean;
  redis?: boolean;
}

/** How long /api/health waits for PostgreSQL or Redis before it calls them unreachable. */
const REACH_TIMEOUT_MS = 1_000;

export interface RedisBackendOptions {
  /** Prefix of every Redis key and channel (tests isolate themselves with their own). */
  prefix?: string;
  /** A node silent for this long is dead and its people leave (default 15 s). */
  presenceTtlMs?: number;
}

export async function openStoreBackend(
  config: Config,
  logger: Logger,
  publish: Publish,
  options: RedisBackendOptions = {},
): Promise<StoreBackend> {
  if (config.store === "sqlite" || config.store === "memory") {
    const store = await openEmbeddedStore(config, logger);
    return {
      store,
      attach: async () => {},
      closePresence: async () => {},
      reachability: async () => ({}),
      close: () => store.close(),
      ...(store instanceof SqliteStore ? { damaged: store.damaged } : {}),
    };
  }
  return openPostgresBackend(config, logger, publish, options);
}

/**
 * PostgreSQL keeps what lasts; with REDIS_URL, Redis carries what flows between nodes
 * (Socket.IO's adapter and presence). Messages reach every node through PostgreSQL's
 * own feed (LISTEN/NOTIFY), so the store needs no Redis: with one node, nothing does.
 */
async function openPostgresBackend(config: Config, logger: Logger, publish: Publish, options: RedisBackendOptions): Promise<StoreBackend> {
  const url = config.databaseUrl!;
  const store = await openPostgresStore({
    url,
    onFeedLost: (error) =>
      logger.error("lost the connection to PostgreSQL; rooms answer room_unavailable until it is back", {
        database: redactDatabaseUrl(url),
        error: error.message,
      }),
    onFeedBack: () => logger.info("PostgreSQL is reachable again", { database: redactDatabaseUrl(url) }),
  }).catch((error: unknown) => {
    throw new ConfigError(
      `DATABASE_URL points at a PostgreSQL that cannot be reached or prepared (${error instanceof Error ? error.message : String(error)}); start PostgreSQL or fix DATABASE_URL.`,
    );
  });
  let flow: RedisFlow | undefined;
  if (config.redisUrl) {
    flow = await openRedisFlow(config, logger, publish, options).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
  }
  logger.info("using the PostgreSQL store", {
    database: redactDatabaseUrl(url),
    ...(config.redisUrl ? { redis: redactUrls(config.redisUrl) } : {}),
  });
  return {
    store,
    ...(flow
      ? {
          sharesSockets: true,
          roomChannels: flow.roomChannels,
          createPresence: (room: string) => flow.presence.forRoom(room),
          counters: { redis: flow.commands, prefix: flow.prefix },
        }
      : {}),
    sharedSessionSecret: () => store.sharedSetting("session-secret", randomBytes(32).toString("base64url")),
    attach: async (io) => flow?.attach(io),
    closePresence: async () => flow?.presence.close(),
    reachability: async () => {
      const [postgres, redis] = await Promise.all([within(store.reachable()), flow?.reachable()]);
      return { postgres, ...(redis === undefined ? {} : { redis }) };
    },
    close: async () => {
      await store.close();
      await flow?.close();
    },
  };
}

/** What several nodes share through Redis besides a store: Socket.IO's adapter, presence, typing. */
interface RedisFlow {
  prefix: string;
  commands: RedisClient;
  presence: SharedPresence;
  /** Per-room channels between the nodes that have connections in a room. */
  roomChannels: RoomChannels;
  /** Connects Socket.IO to the other nodes and starts this node's presence heartbeat. */
  attach(io: ChatServer): Promise<void>;
  /** Whether Redis answers a PING now. */
  reachable(): Promise<boolean>;
  close(): Promise<void>;
}

async function openRedisFlow(
  config: Config,
  logger: Logger,
  publish: Publish,
  options: RedisBackendOptions,
): Promise<RedisFlow> {
  const url = config.redisUrl!;
  const prefix = options.prefix ?? "livechat:";
  const unreachable = (error: unknown) =>
    new ConfigError(
      `REDIS_URL points at a Redis that cannot be reached (${error instanceof Error ? error.message : String(error)}); start Redis or fix REDIS_URL.`,
    );
  const topology = await redisTopology(url).catch((error: unknown) => {
    throw unreachable(error);
  });
  const roles: [string, boolean][] = [
    ["commands", false],
    ["adapter-pub", false],
    ["adapter-sub", true],
  ];
  const connections = await Promise.all(
    roles.map(([role, subscriber]) => topology.connect(`${config.nodeName}-${role}`, subscriber)),
  ).catch((error: unknown) => {
    throw unreachable(error);
  });
  const [commands, adapterPub, adapterSub] = connections as [RedisClient, RedisClient, RedisClient];
  reportOutages(commands, url, logger);
  for (const other of connections.slice(1)) other.on("error", () => {}); // reported once, by `commands`
  ignoreFailures(adapterPub, ["publish", "spublish"]);
  ignoreFailures(adapterSub, ["psubscribe", "punsubscribe", "subscribe", "unsubscribe", "ssubscribe", "sunsubscribe"]);
  if (topology.cluster) logger.info("Redis is a Redis Cluster", { redis: redactUrls(url) });

  const presence = new SharedPresence({
    redis: commands,
    prefix,
    node: `${config.nodeName}-${randomUUID().slice(0, 8)}`,
    publish,
    logger,
    ...(options.presenceTtlMs !== undefined ? { ttlMs: options.presenceTtlMs } : {}),
  });
  return {
    prefix,
    commands,
    presence,
    roomChannels: {
      open: (kind, parse, receive) =>
        openRoomChannel({ publisher: adapterPub, subscriber: adapterSub, prefix: `${prefix}${kind}#`, parse, receive }),
    },
    attach: async (io) => {
      // Sharded pub/sub, one channel per room ("dynamic"): a node receives the broadcasts of
      // the rooms it has connections in, and the main channel carries only what concerns
      // every node (server-side events, requests to all of them).
      io.adapter(
        createShardedAdapter(adapterPub, adapterSub, { channelPrefix: `${prefix}socket.io`, subscriptionMode: "dynamic" }),
      );
      await presence.start();
    },
    reachable: () => within(commands.ping()),
    close: async () => {
      await Promise.all(connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
    },
  };
}

/** The embedded store, SQLite in DATA_DIR; memory only when DATA_DIR is empty (demos: a restart forgets everything). */
async function openEmbeddedStore(config: Config, logger: Logger): Promise<Store> {
  if (!config.dataDir) {
    logger.warn("DATA_DIR is empty: no journal, everything is kept in memory only and a restart forgets it");
    return new MemoryStore();
  }
  if (config.store === "memory") logger.info('STORE=memory is the former name of the embedded store, SQLite in DATA_DIR; say STORE=sqlite');
  return openSqliteStore({ dir: config.dataDir, logger, recoverReadable: config.recoverReadable });
}

/** True when `check` succeeds within REACH_TIMEOUT_MS; false when it fails or takes longer. */
function within(check: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), REACH_TIMEOUT_MS)));
  const answered = check.then(
    (result) => result !== false,
    () => false,
  );
  return Promise.race([answered, late]).finally(() => clearTimeout(timer));
}

/** One line when Redis goes out of reach and one when it is back, not one per retry. */
function reportOutages(redis: RedisClient, url: string, logger: Logger): void {
  let down = false;
  redis.on("error", (error: Error) => {
    if (down) return;
    down = true;
    logger.error("lost the connection to Redis; rooms answer room_unavailable until it is back", {
      redis: redactUrls(url),
      error: error.message,
    });
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info("Redis is reachable again", { redis: redactUrls(url) });
  });
}

/**
 * The Redis adapter does not handle these calls' promises; with no offline queue, one
 * made while Redis is away rejects, which would end the process. Pushes are snapshots
 * that the next change repeats, and ioredis subscribes again after a reconnect.
 */
function ignoreFailures(
  redis: RedisClient,
  methods: ("publish" | "spublish" | "subscribe" | "psubscribe" | "ssubscribe" | "unsubscribe" | "punsubscribe" | "sunsubscribe")[],
): void {
  const target = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const method of methods) {
    const original = target[method]!.bind(redis);
    target[method] = (...args) => original(...args).catch(() => undefined);
  }
}
