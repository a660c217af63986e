// The Next.js pages, served by the same HTTP server. Next is imported lazily so a
// server without pages (tests, API-only nodes) never loads React or Next.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../lib/logger";
import type { Config } from "./config";
import type { UpgradeListener } from "./http/upgrade-gate";

export const PROJECT_DIR = fileURLToPath(new URL("..", import.meta.url));

/** Lets server components show which node served them; never taken from the client. */
const NODE_HEADER = "x-livechat-node";

export interface Pages {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Next's own upgrade handling (dev hot reload); the upgrade gate decides what reaches it. */
  upgrade: UpgradeListener;
  close(): Promise<void>;
}

export async function startPages(config: Config): Promise<Pages> {
  const { default: next } = await import("next");
  // Next attaches an `upgrade` listener to its httpServer on the first request. It gets
  // a server that never listens, so upgrades reach Next only through `upgrade` below.
  const upgrades = createHttpServer();
  const app = next({
    dev: config.dev,
    dir: PROJECT_DIR,
    hostname: config.host ?? "localhost",
    port: config.port,
    httpServer: upgrades,
  });
  await app.prepare();
  const handle = app.getRequestHandler();
  return {
    handle: async (req, res) => {
      if (!hasValidEncoding(req.url ?? "/")) {
        // Next answers a broken %-escape in a path with a bare 500; it is the client's mistake.
        res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
        res.end("Bad request: the address is not valid URL encoding.");
        return;
      }
      req.headers[NODE_HEADER] = config.nodeName;
      await handle(req, res);
    },
    upgrade: (req, socket, head) => void upgrades.emit("upgrade", req, socket, head),
    close: () => app.close(),
  };
}

function hasValidEncoding(url: string): boolean {
  try {
    decodeURIComponent(url.split("?")[0]!);
    return true;
  } catch {
    return false;
  }
}

/** `npm start` on a fresh clone: build the pages once when no production build exists. */
export function ensureProductionBuild(logger: Logger): void {
  if (existsSync(path.join(PROJECT_DIR, ".next", "BUILD_ID"))) return;
  logger.info("no production build found: running `next build` once (about a minute)");
  const nextBin = path.join(PROJECT_DIR, "node_modules", "next", "dist", "bin", "next");
  const result = spawnSync(process.execPath, [nextBin, "build"], { cwd: PROJECT_DIR, stdio: "inherit" });
  if (result.status !== 0) throw new Error("`next build` failed; see its output above.");
}
