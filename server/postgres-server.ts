// Starts a local PostgreSQL on a free port, for `npm run cluster` and the tests,
// the way redis-server.ts starts Redis: finds Debian's binaries under
// /usr/lib/postgresql/*/bin (installing the `postgresql` package once when
// running as root with apt-get), runs initdb into a folder of its own, starts
// `postgres` listening on 127.0.0.1 only, waits until it accepts connections,
// and stops it on close. Each caller creates the databases it needs. Started
// again on the same folder and port, it carries on with what it had.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import pg from "pg";
import { freePort } from "./redis-server";

const READY_TIMEOUT_MS = 30_000;
const DEBIAN_ROOT = "/usr/lib/postgresql";
/** The superuser initdb creates; tests connect as it, trusted on 127.0.0.1 only. */
const SUPERUSER = "postgres";

export interface PostgresServerOptions {
  /**
   * Where the cluster's files go (created when missing; given to the user PostgreSQL runs
   * as, who must be able to reach it: as root, use a folder of its own such as mkdtemp's).
   */
  dir: string;
  /**
   * false: commits are written but not fsynced (fsync=off). They survive PostgreSQL
   * being killed, not the machine losing power: fine for tests, much faster on a busy disk.
   */
  fsync?: boolean;
  /** A fixed port (to start a stopped server again where its clients expect it); a free one when unset. */
  port?: number;
  /**
   * Run in a process group of its own, so a Ctrl-C in the terminal reaches only its parent,
   * which stops it when the processes that use it are gone (`npm run cluster`).
   */
  ownProcessGroup?: boolean;
}

export interface PostgresServer {
  port: number;
  process: ChildProcess;
  /** A connection URL for `database` on this server. */
  url(database: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** The database's URL, creating it first when it does not exist yet (a cluster started again). */
  ensureDatabase(name: string): Promise<string>;
  /** A fast shutdown: open sessions are ended, what was committed is on disk. */
  stop(): Promise<void>;
}

/** A folder holding initdb and postgres: POSTGRES_BIN_DIR, Debian's newest, or PATH. */
function lookUp(): string | undefined {
  const fromEnv = process.env.POSTGRES_BIN_DIR;
  if (fromEnv) {
    if (!existsSync(join(fromEnv, "initdb"))) throw new Error(`POSTGRES_BIN_DIR=${fromEnv} holds no initdb.`);
    return fromEnv;
  }
  const debian = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT)
        .filter((version) => /^\d+$/.test(version))
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => join(DEBIAN_ROOT, version, "bin"))
    : [];
  const onPath = (process.env.PATH ?? "").split(":").filter(Boolean);
  return [...debian, ...onPath].find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres")));
}

function findPostgres(): string {
  const found = lookUp();
  if (found) return found;
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    console.log("No PostgreSQL found: installing Debian's postgresql package (apt-get, about 30 s)…");
    execFileSync("apt-get", ["update"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "postgresql"], { stdio: "inherit" });
    const installed = lookUp();
    if (installed) return installed;
  }
  throw new Error(
    "No PostgreSQL found. Install it (`sudo apt-get install postgresql` on Debian/Ubuntu, " +
      "`brew install postgresql` on macOS), or point POSTGRES_BIN_DIR at the folder holding initdb and postgres.",
  );
}

/**
 * initdb and postgres refuse to run as root. As root, both run as the `postgres` user
 * that Debian's package creates: spawned with its uid and gid, which is what
 * `runuser -u postgres --` does, but leaves `postgres` our direct child so signals
 * reach it unrelayed.
 */
function runAs(): Pick<SpawnOptions, "uid" | "gid"> {
  if (process.getuid?.() !== 0) return {};
  try {
    const uid = Number(execFileSync("id", ["-u", SUPERUSER], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", SUPERUSER], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`Running as root, PostgreSQL needs a "${SUPERUSER}" user to run as (Debian's package creates it).`);
  }
}

/**
 * As root, PostgreSQL runs as another user, who must be able to enter every folder above
 * its own: say so plainly rather than let initdb fail with "Permission denied".
 */
function checkReachable(dir: string, uid: number): void {
  for (let folder = dirname(resolve(dir)); ; folder = dirname(folder)) {
    const { mode, uid: owner } = statSync(folder);
    if (owner !== uid && (mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the "${SUPERUSER}" user, who cannot enter ${folder}; ` +
          `choose a folder it can reach (chmod o+x ${folder}, or another DATA_DIR).`,
      );
    }
    if (folder === dirname(folder)) return;
  }
}

export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const bin = findPostgres();
  const user = runAs();
  const data = join(options.dir, "data");
  mkdirSync(options.dir, { recursive: true });
  if (user.uid !== undefined) {
    checkReachable(options.dir, user.uid);
    chownSync(options.dir, user.uid, user.gid!);
  }

  // A folder that holds a cluster already is started again as it is.
  if (!existsSync(join(data, "PG_VERSION"))) {
    // No fsync during initdb (much faster on a busy disk); the server itself fsyncs every commit unless told not to.
    execFileSync(join(bin, "initdb"), ["-D", data, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"], {
      ...user,
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  const port = options.port ?? (await freePort());
  const child = spawn(
    join(bin, "postgres"),
    [
      ...["-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${options.dir}`],
      ...(options.fsync === false ? ["-c", "fsync=off"] : []),
    ],
    { ...user, stdio: ["ignore", "pipe", "pipe"], detached: options.ownProcessGroup ?? false },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`PostgreSQL was not ready after ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("database system is ready to accept connections")) {
        clearTimeout(timer);
        child.stderr?.off("data", onData);
        child.stderr?.resume();
        child.stdout?.resume();
        child.off("exit", onEarlyExit);
        resolve();
      }
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const onEarlyExit = (code: number | null) => fail(new Error(`PostgreSQL exited with code ${code} before it was ready:\n${output}`));
    child.stderr?.on("data", onData);
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", onEarlyExit);
  });

  const url = (database: string) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const asAdmin = async <T>(work: (admin: pg.Client) => Promise<T>): Promise<T> => {
    const admin = new pg.Client({ connectionString: url("postgres") });
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.end();
    }
  };
  const createDatabase = async (name: string) => {
    await asAdmin((admin) => admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
    return url(name);
  };
  return {
    port,
    process: child,
    url,
    createDatabase,
    ensureDatabase: async (name) => {
      const { rowCount } = await asAdmin((admin) => admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]));
      return rowCount ? url(name) : createDatabase(name);
    },
    stop: async () => {
      // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await exited;
    },
  };
}
