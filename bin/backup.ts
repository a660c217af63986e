// `livechat backup <file>`: a consistent copy of the SQLite store of the DATA_DIR
// the server uses (read from the environment like the server's own settings),
// taken while the server runs. Restore steps: docs/operations.md.
import { loadConfig } from "../server/config";
import { backupSqlite } from "../lib/store/sqlite-backup";

export async function runBackup(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0]!.startsWith("-")) {
    console.error("Usage: livechat backup <file>   (DATA_DIR names the server's data directory, ./.data by default)");
    return 2;
  }
  try {
    const config = loadConfig();
    if (config.store === "postgres") throw new Error("STORE=postgres keeps its data in PostgreSQL: back it up with PostgreSQL's own tools (pg_dump).");
    if (!config.dataDir) throw new Error("DATA_DIR is empty: the server keeps everything in memory and there is nothing to back up.");
    const figures = await backupSqlite(config.dataDir, args[0]!);
    console.log(
      `Backup written to ${figures.file}: ${figures.messages} messages in ${figures.rooms} rooms, ${figures.users} accounts, ` +
        `${(figures.bytes / 1024 / 1024).toFixed(1)} MB, in ${figures.ms} ms.`,
    );
    return 0;
  } catch (error) {
    console.error(`Backup failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
