// nginx in front of several nodes: the site configuration (one text for `npm run
// cluster`, docker-compose's deploy/nginx.conf and docs/scaling.md, so they cannot
// drift), and a local nginx started from Debian's package with that configuration,
// in the foreground, with its pid, logs and temporary files in a folder of its own.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

const SYSTEM_PATHS = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/opt/homebrew/bin/nginx"];
const READY_TIMEOUT_MS = 15_000;

export interface SiteOptions {
  /** nginx's `listen` argument: a port, or address:port. */
  listen: string;
  /** The nodes, host:port each. */
  upstreams: string[];
}

/**
 * The http-context configuration of a balancer in front of Livechat nodes: round robin,
 * no sticky sessions, WebSocket upgrades proxied, the client's address passed on.
 */
export function siteConfig({ listen, upstreams }: SiteOptions): string {
  return `# Livechat behind nginx: round robin over the nodes, no sticky sessions.
# Pages connect over WebSocket first, one TCP connection for the whole session, so
# any node may hold it (long-polling needs stickiness: see docs/scaling.md).
map $http_upgrade $connection_upgrade {
  default upgrade;
  ''      close;
}

upstream livechat {
${upstreams.map((upstream) => `  server ${upstream};`).join("\n")}
}

server {
  listen ${listen};
  location / {
    proxy_pass http://livechat;
    proxy_http_version 1.1;
    # WebSocket upgrades (Socket.IO's transport).
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    # The origin check compares Origin with Host, port included.
    proxy_set_header Host $http_host;
    # The client's address, appended last: with TRUST_PROXY=true the nodes count
    # per-address limits (registrations, failed logins, connections) per client,
    # not once for everyone behind this balancer.
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
  }
}
`;
}

/** A whole nginx.conf for a foreground nginx whose files all stay in `dir`. */
export function localNginxConfig(dir: string, site: SiteOptions): string {
  const indented = siteConfig(site)
    .trimEnd()
    .split("\n")
    .map((line) => (line === "" ? "" : `  ${line}`))
    .join("\n");
  return `# Written by server/nginx.ts for a local nginx; everything it writes stays in this folder.
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;

events {
  worker_connections 4096;
}

http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

${indented}
}
`;
}

export interface LocalNginx {
  url: string;
  port: number;
  process: ChildProcess;
  /** Fast shutdown (SIGTERM: open WebSockets are closed too), then waits for the exit. */
  stop(): Promise<void>;
}

function lookUp(): string | undefined {
  const fromEnv = process.env.NGINX_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`NGINX_PATH=${fromEnv} does not exist.`);
    return fromEnv;
  }
  const onPath = (process.env.PATH ?? "")
    .split(":")
    .filter(Boolean)
    .map((dir) => `${dir}/nginx`);
  return [...SYSTEM_PATHS, ...onPath].find((path) => existsSync(path));
}

/** NGINX_PATH, Debian's /usr/sbin/nginx, or the PATH; as root with apt-get, Debian's package is installed once. */
export function findNginx(): string {
  const found = lookUp();
  if (found) return found;
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    console.log("No nginx found: installing Debian's nginx package (apt-get, about 10 s)…");
    execFileSync("apt-get", ["update"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "nginx"], { stdio: "inherit" });
    const installed = lookUp();
    if (installed) return installed;
  }
  throw new Error(
    "No nginx found. Install it (`sudo apt-get install nginx` on Debian/Ubuntu, `brew install nginx` on macOS), " +
      "or point NGINX_PATH at an nginx binary.",
  );
}

/** Starts nginx on 127.0.0.1:`port` in front of `upstreams`, its files in `dir`; resolves once it accepts connections. */
export interface NginxOptions {
  /** Where its configuration, pid, logs and temporary files go. */
  dir: string;
  port: number;
  /** The nodes, host:port each. */
  upstreams: string[];
  /**
   * Run in a process group of its own, so a Ctrl-C in the terminal reaches only its parent,
   * which stops it when the processes that use it are gone (`npm run cluster`).
   */
  ownProcessGroup?: boolean;
}

export async function startNginx({ dir, port, upstreams, ownProcessGroup = false }: NginxOptions): Promise<LocalNginx> {
  const binary = findNginx();
  mkdirSync(dir, { recursive: true });
  // As root, nginx's workers run as an unprivileged user, who must reach the temporary folders.
  chmodSync(dir, 0o755);
  const configFile = join(dir, "nginx.conf");
  writeFileSync(configFile, localNginxConfig(dir, { listen: `127.0.0.1:${port}`, upstreams }));
  // -e: the error log before the configuration is read (the default, under /var/log, is root's).
  const child = spawn(binary, ["-p", dir, "-c", configFile, "-e", join(dir, "error.log")], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: ownProcessGroup,
  });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const errorLog = () => (existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8") : "");

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nginx exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${output}${errorLog()}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nginx did not accept connections on port ${port} within ${READY_TIMEOUT_MS / 1000} s:\n${output}${errorLog()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
