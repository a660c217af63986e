// The JSON HTTP API (/api/...): parses requests, calls the domain, answers in the
// contract's shapes. No business rule lives here.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Accounts } from "../../lib/accounts/accounts";
import type { AuthThrottle } from "../../lib/accounts/auth-throttle";
import type { SessionSecrets } from "../../lib/accounts/session";
import { ChatError } from "../../lib/errors";
import type { ConnectionLimiter } from "../../lib/limits/connection-limiter";
import type { SendLimiter } from "../../lib/limits/send-limiter";
import type { Logger } from "../../lib/logger";
import type { Identity } from "../../lib/protocol";
import { normalizeRoomName } from "../../lib/names";
import { parsePayload } from "../../lib/payloads";
import type { RegistryManager } from "../../lib/rooms/registry";
import type { Config } from "../config";
import type { Metrics } from "../metrics";
import { clientAddress } from "./client-address";
import { isAllowedOrigin } from "./origin";
import type { SseStreams } from "./sse";
import { ClientGoneError, HttpError, readJson, sendError, sendJson, sendNoContent } from "./respond";
import { clearSession, readSession, writeSession } from "./session-cookie";

export interface ApiDeps {
  config: Config;
  registry: RegistryManager;
  accounts: Accounts;
  sessionSecrets: SessionSecrets;
  authThrottle: AuthThrottle;
  sendLimiter: SendLimiter;
  logger: Logger;
  metrics: Metrics;
  connections: () => number;
  /** The SSE streams, when the web adapter runs. */
  streams?: SseStreams;
  /** Long-lived connections per address and in all: an SSE stream is one. */
  limiter: ConnectionLimiter;
}

const BODY_LIMIT = 16 * 1024;
const PAGE_DEFAULT = 50;
const PAGE_MAX = 200;

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
}

type Handler = (ctx: Context) => Promise<void>;

export function createApiHandler(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { config, registry, accounts, authThrottle, logger, sessionSecrets } = deps;
  const startedAt = Date.now();

  const session = (req: IncomingMessage) => readSession(req, sessionSecrets);

  const body = async (req: IncomingMessage) => readJson(req, BODY_LIMIT);

  const routes: Array<[method: string, pattern: RegExp, handler: Handler]> = [
    ["GET", /^\/api\/health$/, async ({ res }) => {
      sendJson(res, 200, {
        status: "ok",
        node: config.nodeName,
        uptimeS: Math.round((Date.now() - startedAt) / 1000),
        rooms: registry.liveRooms,
        connections: deps.connections(),
        adapters: config.adapters,
      });
    }],

    // Open like /api/health: counts only, no names or contents (see docs/operations.md).
    ["GET", /^\/api\/metrics$/, async ({ res }) => {
      const text = await deps.metrics.text();
      res.writeHead(200, {
        "content-type": deps.metrics.contentType,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      res.end(text);
    }],

    ["POST", /^\/api\/auth\/register$/, async ({ req, res }) => {
      const { username, password } = parsePayload("credentials", await body(req));
      authThrottle.register(clientAddress(req, config.trustProxy));
      const user = await accounts.register(username, password);
      await writeSession(req, res, await accounts.sessionOf(user), sessionSecrets);
      sendJson(res, 201, { user });
    }],

    ["POST", /^\/api\/auth\/login$/, async ({ req, res }) => {
      const { username, password } = parsePayload("credentials", await body(req));
      const ip = clientAddress(req, config.trustProxy);
      authThrottle.checkLogin(ip, username);
      const user = await accounts.login(username, password).catch((error: unknown) => {
        if (error instanceof ChatError && error.code === "unauthorized") authThrottle.loginFailed(ip, username);
        throw error;
      });
      await writeSession(req, res, await accounts.sessionOf(user), sessionSecrets);
      sendJson(res, 200, { user });
    }],

    ["POST", /^\/api\/auth\/logout$/, async ({ req, res }) => {
      await accounts.logout(await session(req));
      clearSession(req, res);
      sendNoContent(res);
    }],

    ["POST", /^\/api\/auth\/guest$/, async ({ req, res }) => {
      const { name } = parsePayload("guest", await body(req));
      const current = await session(req);
      if (!(await accounts.identify(current)).guest) {
        throw new ChatError("forbidden", "You are signed in; log out to chat as a guest.");
      }
      const user = await accounts.guest(name);
      await writeSession(req, res, user.username === "anon" ? {} : { guestName: user.username }, sessionSecrets);
      sendJson(res, 200, { user });
    }],

    ["GET", /^\/api\/auth\/me$/, async ({ req, res }) => {
      const user = await accounts.identify(await session(req)).catch(() => accounts.guest());
      sendJson(res, 200, { user });
    }],

    ["GET", /^\/api\/rooms$/, async ({ res }) => {
      sendJson(res, 200, { rooms: registry.list() });
    }],

    ["GET", /^\/api\/rooms\/([^/]+)\/messages$/, async ({ res, url, params }) => {
      const room = roomParam(params[0]);
      const limit = Math.min(PAGE_MAX, integerParam(url, "limit", PAGE_DEFAULT, 1, Number.MAX_SAFE_INTEGER));
      const before = url.searchParams.has("before") ? integerParam(url, "before", 0, 1, Number.MAX_SAFE_INTEGER) : undefined;
      sendJson(res, 200, { messages: await registry.history(room, limit, before) });
    }],

    ["POST", /^\/api\/rooms\/([^/]+)\/messages$/, async ({ req, res, params }) => {
      const room = roomParam(params[0]);
      const { content, clientId } = parsePayload("post", await body(req));
      deps.sendLimiter.take(clientAddress(req, config.trustProxy));
      const author = await accounts.identify(await session(req));
      const message = await registry.send(room, { author, content, ...(clientId ? { clientId } : {}) });
      sendJson(res, 201, { message });
    }],

    ["GET", /^\/api\/rooms\/([^/]+)\/stream$/, async ({ req, res, params }) => {
      if (!deps.streams) throw new HttpError(404, "not_found", "This node serves no streams.");
      const room = roomParam(params[0]);
      // A HEAD has no body to stream into: it would hold its connection open for nothing.
      if (req.method === "HEAD") return void res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" }).end();
      const release = deps.limiter.admit(clientAddress(req, config.trustProxy));
      res.once("close", release);
      await deps.streams.serve(res, room);
    }],

    ["DELETE", /^\/api\/rooms\/([^/]+)$/, async ({ req, res, params }) => {
      const room = roomParam(params[0]);
      let by: Identity | "admin";
      if (req.headers.authorization !== undefined) {
        if (!config.adminToken || !bearerMatches(req, config.adminToken)) {
          throw new ChatError("unauthorized", "The Authorization header does not hold the admin token.");
        }
        by = "admin";
      } else {
        by = await accounts.identify(await session(req));
      }
      await registry.deleteRoom(room, by);
      logger.info("room deleted", { room, by: by === "admin" ? "admin" : by.username });
      sendNoContent(res);
    }],

    ["POST", /^\/api\/admin\/rooms\/([^/]+)\/crash$/, async ({ req, res, params }) => {
      if (!config.adminToken) throw new HttpError(404, "not_found", "There is no such route.");
      if (!bearerMatches(req, config.adminToken)) {
        throw new ChatError("unauthorized", "Send the admin token as Authorization: Bearer <ADMIN_TOKEN>.");
      }
      const room = roomParam(params[0]);
      await registry.crash(room);
      logger.warn("room crashed on purpose through the admin route", { room });
      sendJson(res, 200, { room, crashed: true });
    }],
  ];

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      const match = findRoute(routes, req.method ?? "GET", url.pathname);
      if (!match) throw new HttpError(404, "not_found", `There is no ${req.method} ${url.pathname} route.`);
      if (req.method !== "GET" && !isAllowedOrigin(req.headers, config.allowedOrigins)) {
        throw new ChatError("forbidden", "Cross-origin requests are refused; use the site itself.");
      }
      await match.handler({ req, res, url, params: match.params });
    } catch (error) {
      if (error instanceof ClientGoneError) {
        // Counted and kept at debug: a flood of aborted bodies is the client's doing, not an error.
        deps.metrics.requestsAborted.inc();
        logger.debug("request aborted by the client", { path: url.pathname });
        return;
      }
      const body = sendError(res, error);
      if (body.code === "internal") logger.error("API request failed", { path: url.pathname, error: String(error) });
      if (body.code === "rate_limited") deps.metrics.rateLimited.inc();
    }
  };
}

function findRoute(routes: Array<[string, RegExp, Handler]>, method: string, pathname: string) {
  let pathMatched = false;
  for (const [routeMethod, pattern, handler] of routes) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    pathMatched = true;
    if (routeMethod === method || (method === "HEAD" && routeMethod === "GET")) {
      return { handler, params: match.slice(1) };
    }
  }
  if (pathMatched) throw new HttpError(405, "invalid_payload", `${method} is not allowed on ${pathname}.`);
  return undefined;
}

function roomParam(raw: string | undefined): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw ?? "");
  } catch {
    throw new ChatError("invalid_room", "The room name in the path is not valid URL encoding.");
  }
  return normalizeRoomName(decoded);
}

function integerParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ChatError("invalid_payload", `The query parameter "${name}" must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization?.replace(/^Bearer\s+/i, "") ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

