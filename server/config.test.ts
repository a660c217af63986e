// Start-up configuration: defaults that work on a laptop, and a sentence naming
// the variable when a value is wrong.
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "../lib/logger";
import { loadConfig } from "./config";
import { resolveSessionSecrets } from "./session-secret";

describe("configuration", () => {
  it("starts every adapter unless ADAPTERS names some, with gRPC on 50051", () => {
    expect(loadConfig({}).adapters).toEqual(["web", "grpc"]);
    expect(loadConfig({}).grpcPort).toBe(50051);
    expect(loadConfig({ ADAPTERS: "grpc" }).adapters).toEqual(["grpc"]);
    expect(loadConfig({ ADAPTERS: " GRPC , web " }).adapters).toEqual(["web", "grpc"]);
  });

  it("works with no environment at all", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, store: "sqlite", historyWindow: 100, maxLiveRooms: 10_000, bcryptCost: 10 });
    expect(config).toMatchObject({ messageRate: 10, messageBurst: 20, outboundBufferBytes: 4 * 1024 * 1024 });
    expect(config).toMatchObject({ maxConnectionsPerAddress: 50, maxConnections: undefined, joinRate: 10, joinBurst: 50, registrationsPerHour: 10 });
    expect(config.dataDir).toBe(path.resolve(".data"));
    expect(config.adminToken).toBeUndefined();
    expect(config.allowedOrigins).toEqual([]);
    expect(config.nodeName).toMatch(/-\d+$/);
  });

  it("serves any Host unless PUBLIC_URL names the hosts to serve", () => {
    expect(loadConfig({}).publicHosts).toEqual([]);
    expect(loadConfig({ PUBLIC_URL: "https://Chat.Example.com" }).publicHosts).toEqual(["chat.example.com"]);
    expect(loadConfig({ PUBLIC_URL: "https://chat.example.com, http://chat.internal:8080/" }).publicHosts).toEqual([
      "chat.example.com",
      "chat.internal",
    ]);
  });

  it.each([
    [{ PORT: "eighty" }, /PORT/],
    [{ MAX_CONNECTIONS_PER_ADDRESS: "many" }, /MAX_CONNECTIONS_PER_ADDRESS/],
    [{ REGISTRATIONS_PER_HOUR: "0" }, /REGISTRATIONS_PER_HOUR/],
    [{ MAX_CONNECTIONS: "0" }, /MAX_CONNECTIONS must/],
    [{ JOIN_RATE: "-1" }, /JOIN_RATE/],
    [{ JOIN_BURST: "0" }, /JOIN_BURST/],
    [{ PUBLIC_URL: "chat.example.com" }, /PUBLIC_URL must be the address/],
    [{ PUBLIC_URL: "ftp://chat.example.com" }, /PUBLIC_URL/],
    [{ PORT: "70000" }, /PORT/],
    [{ HISTORY_WINDOW: "0" }, /HISTORY_WINDOW/],
    [{ MAX_LIVE_ROOMS: "-5" }, /MAX_LIVE_ROOMS/],
    [{ BCRYPT_COST: "40" }, /BCRYPT_COST/],
    [{ SESSION_SECRET: "too-short" }, /SESSION_SECRET.*32/],
    [{ SESSION_SECRET: "s".repeat(40), SESSION_SECRET_PREVIOUS: "short" }, /SESSION_SECRET_PREVIOUS.*32/],
    [{ SESSION_SECRET_PREVIOUS: "p".repeat(40) }, /SESSION_SECRET_PREVIOUS.*SESSION_SECRET/],
    [{ STORE: "postgres" }, /STORE/],
    [{ STORE: "postgres", DATABASE_URL: "postgres://db/livechat", REDIS_URL: "localhost:6379" }, /REDIS_URL must be a Redis URL/],
    [{ STORE: "postgres", DATABASE_URL: "postgres://db/livechat", REDIS_URL: "http://cache:6379" }, /REDIS_URL must be a Redis URL/],
    [{ STORE: "postgres" }, /DATABASE_URL must be set when STORE=postgres/],
    [{ STORE: "postgres", DATABASE_URL: "db.internal:5432/livechat" }, /DATABASE_URL must be a PostgreSQL URL/],
    [{ STORE: "postgres", DATABASE_URL: "mysql://db.internal/livechat" }, /DATABASE_URL must be a PostgreSQL URL/],
    [{ STORE: "postgres", DATABASE_URL: "postgres://db/livechat", REDIS_URL: "cache:6379" }, /REDIS_URL must be a Redis URL/],
    [{ STORE: "postgres", DATABASE_URL: "postgres://db/livechat", REDIS_URL: "redis://a:6379,,redis://b:6379" }, /REDIS_URL lists a Redis Cluster/],
    [{ STORE: "postgres", DATABASE_URL: "postgres://db/livechat", REDIS_URL: "redis://a:6379,b:6379" }, /REDIS_URL must be a Redis URL.*"b:6379" in/],
    [{ ALLOWED_ORIGINS: "not a url" }, /ALLOWED_ORIGINS/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ ADAPTERS: "web,ftp" }, /ADAPTERS/],
    [{ ADAPTERS: "web,,grpc" }, /ADAPTERS/],
    [{ GRPC_PORT: "fifty" }, /GRPC_PORT/],
    [{ TRUST_PROXY: "yes" }, /TRUST_PROXY must be true or false/],
    [{ MESSAGE_RATE: "ten" }, /MESSAGE_RATE/],
    [{ MESSAGE_BURST: "0" }, /MESSAGE_BURST/],
    [{ OUTBOUND_BUFFER_BYTES: "1000" }, /OUTBOUND_BUFFER_BYTES/],
  ])("stops start-up on %j with a sentence naming the variable", (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(pattern);
  });

  // STORE=redis kept a community's history in Redis until PostgreSQL took it over (issue 14).
  it("stops STORE=redis with one sentence saying to migrate to STORE=postgres with REDIS_URL", () => {
    for (const env of [{ STORE: "redis" }, { STORE: "redis", REDIS_URL: "redis://:secret@cache.internal:6380/2" }]) {
      expect(() => loadConfig(env)).toThrow(
        /^STORE=redis is retired as a history store: move the data once with `npx livechat migrate --from redis:\/\/… --to postgres:\/\/…`, then start the nodes with STORE=postgres DATABASE_URL=.* and REDIS_URL=[^.]*\(docs\/operations\.md\)\.$/,
      );
    }
  });

  it("does not show a REDIS_URL password in its complaint", () => {
    expect(() => loadConfig({ STORE: "postgres", DATABASE_URL: "postgres://db/livechat", REDIS_URL: "http://:hunter22@cache:6379" })).toThrow(/^(?!.*hunter22)/s);
  });

  it("reads STORE=postgres with its DATABASE_URL, REDIS_URL optional", () => {
    const alone = loadConfig({ STORE: "postgres", DATABASE_URL: "postgresql://livechat:pw@db.internal:5432/livechat" });
    expect(alone).toMatchObject({ store: "postgres", databaseUrl: "postgresql://livechat:pw@db.internal:5432/livechat" });
    expect(alone.redisUrl).toBeUndefined();
    const shared = loadConfig({ STORE: "postgres", DATABASE_URL: "postgres://db/livechat", REDIS_URL: "redis://cache:6379" });
    expect(shared).toMatchObject({ store: "postgres", redisUrl: "redis://cache:6379" });
  });

  it("reads a Redis Cluster's nodes from REDIS_URL, separated by commas, and hides their passwords in a complaint", () => {
    const nodes = "redis://:pw@10.0.0.1:6379,redis://:pw@10.0.0.2:6379,redis://:pw@10.0.0.3:6379";
    expect(loadConfig({ STORE: "postgres", DATABASE_URL: "postgres://db/livechat", REDIS_URL: nodes }).redisUrl).toBe(nodes);
    expect(() =>
      loadConfig({ STORE: "postgres", DATABASE_URL: "postgres://db/livechat", REDIS_URL: "redis://:hunter22@a:6379,http://:hunter22@b:1" }),
    ).toThrow(/^(?!.*hunter22)/s);
  });

  it("does not show a DATABASE_URL password in its complaint", () => {
    expect(() => loadConfig({ STORE: "postgres", DATABASE_URL: "mysql://livechat:hunter22@db/livechat" })).toThrow(/^(?!.*hunter22)/s);
  });

  it("reads the listed origins and an empty DATA_DIR as no data folder", () => {
    const config = loadConfig({ ALLOWED_ORIGINS: "https://a.example, http://b.example:8080/", DATA_DIR: "" });
    expect(config.allowedOrigins).toEqual(["https://a.example", "http://b.example:8080"]);
    expect(config.dataDir).toBeUndefined();
  });

  it("accepts every pino level for LOG_LEVEL, debug and fatal included", () => {
    expect(loadConfig({}).logLevel).toBe("info");
    expect(loadConfig({ LOG_LEVEL: "debug" }).logLevel).toBe("debug");
    expect(loadConfig({ LOG_LEVEL: "fatal" }).logLevel).toBe("fatal");
  });
});

describe("the session secret", () => {
  it("is generated once, kept in DATA_DIR with owner-only permissions, and reused", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "livechat-secret-"));
    const config = loadConfig({ DATA_DIR: dataDir });
    const logger = createLogger({}, "silent");
    const [first] = await resolveSessionSecrets(config, logger);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(await resolveSessionSecrets(config, logger)).toEqual([first]);
    const file = path.join(dataDir, "session-secret");
    expect((await readFile(file, "utf8")).trim()).toBe(first);
    expect((await stat(file)).mode & 0o077).toBe(0);
  });

  it("is the operator's own when SESSION_SECRET is set", async () => {
    const secret = "s".repeat(40);
    expect(await resolveSessionSecrets(loadConfig({ SESSION_SECRET: secret, DATA_DIR: "" }), createLogger({}, "silent"))).toEqual([
      secret,
    ]);
  });

  it("accepts earlier secrets after the current one, so a rotation keeps everyone signed in", async () => {
    const [current, earlier, oldest] = ["c".repeat(40), "b".repeat(40), "a".repeat(40)];
    const config = loadConfig({ SESSION_SECRET: current, SESSION_SECRET_PREVIOUS: ` ${earlier}, ${oldest} `, DATA_DIR: "" });
    expect(await resolveSessionSecrets(config, createLogger({}, "silent"))).toEqual([current, earlier, oldest]);
  });
});
