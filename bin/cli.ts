// `livechat <command>`: one entry for the server and the clients.
export {};

const USAGE = `Usage:
  livechat serve [--adapters web,grpc]   start the server (all adapters unless told)
  livechat chat <room> [--url URL] [--name NAME] [--login USER]
                                         chat in a room from the terminal
  livechat backup <file>                 copy the SQLite store in DATA_DIR to <file>,
                                         consistently, while the server runs
  livechat migrate --from redis://… --to postgres://… [--prefix livechat:]
                                         move a STORE=redis cluster's data into an
                                         empty PostgreSQL database (nodes stopped)`;

const [command = "serve", ...args] = process.argv.slice(2);

/** `--adapters a,b` or `--adapters=a,b`: the value, undefined when absent, null when malformed. */
function adaptersOption(args: string[]): string | undefined | null {
  if (args.length === 0) return undefined;
  const [flag, value, ...rest] = args;
  if (flag === "--adapters" && value !== undefined && rest.length === 0) return value;
  if (flag?.startsWith("--adapters=") && args.length === 1) return flag.slice("--adapters=".length);
  return null;
}

switch (command) {
  case "serve": {
    const adapters = adaptersOption(args);
    if (adapters === null) {
      console.error(USAGE);
      process.exit(2);
    }
    // The server reads (and validates) ADAPTERS like any other setting.
    if (adapters !== undefined) process.env.ADAPTERS = adapters;
    await import("../server/index");
    break;
  }
  case "chat": {
    const { runChat } = await import("./chat");
    process.exit(await runChat(args));
    break;
  }
  case "backup": {
    const { runBackup } = await import("./backup");
    process.exit(await runBackup(args));
    break;
  }
  case "migrate": {
    const { runMigrate } = await import("./migrate");
    process.exit(await runMigrate(args));
    break;
  }
  default:
    console.error(USAGE);
    process.exit(command === "help" || command === "--help" ? 0 : 2);
}
