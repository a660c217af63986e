// `livechat migrate --from redis://… --to postgres://… [--prefix livechat:]`: moves a
// STORE=redis cluster's data into PostgreSQL (lib/store/redis-to-postgres.ts), to run
// once with the nodes stopped. Steps: docs/operations.md.
import pg from "pg";
import { RedisStore } from "../lib/store/redis";
import { connectRedis, redactUrl as redactRedisUrl } from "../lib/store/redis-connection";
import { redactUrl as redactDatabaseUrl } from "../lib/store/postgres";
import { migrateRedisToPostgres } from "../lib/store/redis-to-postgres";

const USAGE =
  "Usage: livechat migrate --from redis://host:6379 --to postgres://user:password@host:5432/livechat [--prefix livechat:]\n" +
  "  moves a STORE=redis cluster's data into an empty PostgreSQL database; stop the nodes first.";

interface MigrateArgs {
  from: string;
  to: string;
  prefix: string;
}

/** `--name value` or `--name=value` for each option; undefined when anything is missing, repeated or unknown. */
function parseMigrateArgs(args: string[]): MigrateArgs | undefined {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--(from|to|prefix)(?:=(.*))?$/.exec(arg);
    if (!match || values.has(match[1]!)) return undefined;
    const value = match[2] ?? args[++i];
    if (value === undefined || value === "") return undefined;
    values.set(match[1]!, value);
  }
  const from = values.get("from");
  const to = values.get("to");
  if (!from || !to || !/^rediss?:\/\//.test(from) || !/^postgres(ql)?:\/\//.test(to)) return undefined;
  return { from, to, prefix: values.get("prefix") ?? "livechat:" };
}

export async function runMigrate(args: string[]): Promise<number> {
  const parsed = parseMigrateArgs(args);
  if (!parsed) {
    console.error(USAGE);
    return 2;
  }
  let redis: Awaited<ReturnType<typeof connectRedis>> | undefined;
  const pool = new pg.Pool({ connectionString: parsed.to, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on("error", () => {});
  try {
    // A long SCAN or LRANGE of a big cluster may take longer than a node's 2 s command timeout.
    redis = await connectRedis(parsed.from, { commandTimeout: 30_000 });
    // The store's feed connection is never used: nothing here watches.
    const from = new RedisStore({ redis, subscriber: redis, prefix: parsed.prefix, ownsConnections: false });
    await pool.query("SELECT 1").catch((error: unknown) => {
      throw new Error(`cannot reach PostgreSQL at ${redactDatabaseUrl(parsed.to)} (${error instanceof Error ? error.message : String(error)}).`);
    });
    const figures = await migrateRedisToPostgres({
      from,
      to: pool,
      onRoom: (done, total) => {
        if (done % 100 === 0 || done === total) console.log(`${done} of ${total} rooms copied…`);
      },
    });
    console.log(
      `Migrated ${figures.users} accounts, ${figures.rooms} rooms, ${figures.messages} messages and ${figures.people} people's lists ` +
        `from ${redactRedisUrl(parsed.from)} to ${redactDatabaseUrl(parsed.to)} in ${(figures.ms / 1000).toFixed(1)} s. ` +
        "Start the nodes with STORE=postgres DATABASE_URL=… (and REDIS_URL for what flows between them).",
    );
    return 0;
  } catch (error) {
    console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await redis?.quit().catch(() => redis?.disconnect());
    await pool.end().catch(() => {});
  }
}
