// Schema migrations of the PostgreSQL store: the .sql files in ./migrations, applied
// in the order listed below, each once, recorded in schema_migrations.
//
// A plain list rather than a migration library (node-pg-migrate, umzug): the whole
// runner is this file, it runs at every node's start-up on the store's own pool,
// migrations only go forward, and the two guarantees we need are each one SQL
// statement away: an advisory lock so that nodes starting at once take turns, and
// PostgreSQL's transactional DDL so that a failed run leaves nothing half-applied.
import { readFileSync } from "node:fs";
import type { Pool } from "pg";

/** In order; append new files at the end and never edit one that has shipped. */
const MIGRATIONS = [
  "0001-initial.sql",
  "0002-room-records.sql",
  "0003-awareness.sql",
  "0004-search.sql",
  "0005-conversation.sql",
  "0007-cjk-search.sql",
] as const;

/** The advisory lock every migrator takes: an arbitrary constant, Livechat's own. */
const MIGRATION_LOCK = "7315263520151107";

/**
 * Applies the migrations this database has not seen, in order, in one transaction
 * under an advisory lock; returns the ones it applied (none when up to date).
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // Held until COMMIT. A second node waits here, then finds every migration recorded.
    await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const { rows } = await client.query<{ version: string }>("SELECT version FROM schema_migrations");
    const done = new Set(rows.map((row) => row.version));
    const applied: string[] = [];
    for (const version of MIGRATIONS) {
      if (done.has(version)) continue;
      await client.query(readFileSync(new URL(`./migrations/${version}`, import.meta.url), "utf8"));
      await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [version]);
      applied.push(version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
