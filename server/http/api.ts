// The JSON HTTP API (/api/...): reads the caller and the payload off the request,
// calls the chat service, answers in the contract's shapes. No business rule lives here.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SessionSecrets } from "../../lib/accounts/session";
import type { Caller } from "../../lib/chat/caller";
import { PAGE_DEFAULT, SEARCH_DEFAULT, SEARCH_MAX, type ChatService } from "../../lib/chat/service";
import { ChatError } from "../../lib/errors";
import type { Logger } from "../../lib/logger";
import { normalizeRoomName } from "../../lib/names";
import type { RegistryManager } from "../../lib/rooms/registry";
import type { Config } from "../config";
import type { Metrics } from "../metrics";
import type { Reachability } from "../store-backend";
import { isAllowedOrigin } from "./origin";
import type { SseStreams } from "./sse";
import { clientAddress } from "./client-address";
import { ClientGoneError, HttpError, readJson, sendError, sendJson, sendNoContent } from "./respond";
import { clearSession, readSession, writeSession } from "./session-cookie";

export interface ApiDeps {
  config: Config;
  chat: ChatService;
  registry: RegistryManager;
  sessionSecrets: SessionSecrets;
  logger: Logger;
  metrics: Metrics;
  connections: () => number;
  /** Whether this node reaches the PostgreSQL and Redis it uses. */
  reachability: () => Promise<Reachability>;
  /** The SSE streams, when the web adapter runs. */
  streams?: SseStreams;
}

const BODY_LIMIT = 16 * 1024;

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
}

type Handler = (ctx: Context) => Promise<void>;

export function createApiHandler(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { config, chat, registry, logger, sessionSecrets } = deps;
  const startedAt = Date.now();

  /** Who is asking: the session cookie, the client's address, and a bearer token if one is sent. */
  const caller = (req: IncomingMessage): Caller => ({
    credentials: { kind: "cookie", session: () => readSession(req, sessionSecrets) },
    address: clientAddress(req, config.trustProxy),
    ...(req.headers.authorization !== undefined ? { bearer: req.headers.authorization.replace(/^Bearer\s+/i, "") } : {}),
  });

  const body = async (req: IncomingMessage) => readJson(req, BODY_LIMIT);

  const routes: Array<[method: string, pattern: RegExp, handler: Handler]> = [
    ["GET", /^\/api\/health$/, async ({ res }) => {
      const reach = await deps.reachability();
      sendJson(res, 200, {
        status: "ok",
        node: config.nodeName,
        uptimeS: Math.round((Date.now() - startedAt) / 1000),
        rooms: registry.liveRooms,
        connections: deps.connections(),
        adapters: config.adapters,
        // Only the servers this node uses; the status stays "ok" (the node itself answers).
        ...Object.fromEntries(Object.entries(reach).map(([server, ok]) => [server, ok ? "reachable" : "unreachable"])),
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
      const { user, session } = await chat.register(caller(req), await body(req));
      await writeSession(req, res, session, sessionSecrets);
      sendJson(res, 201, { user });
    }],

    ["POST", /^\/api\/auth\/login$/, async ({ req, res }) => {
      const { user, session } = await chat.login(caller(req), await body(req));
      await writeSession(req, res, session, sessionSecrets);
      sendJson(res, 200, { user });
    }],

    ["POST", /^\/api\/auth\/logout$/, async ({ req, res }) => {
      await chat.logout(caller(req));
      clearSession(req, res);
      sendNoContent(res);
    }],

    ["POST", /^\/api\/auth\/guest$/, async ({ req, res }) => {
      const { user, session } = await chat.guest(caller(req), await body(req));
      await writeSession(req, res, session, sessionSecrets);
      sendJson(res, 200, { user });
    }],

    ["GET", /^\/api\/auth\/me$/, async ({ req, res }) => {
      // A guest's first visit begins its guest session (lib/people.ts): its messages are its own.
      const begun = await chat.beginGuestSession(caller(req));
      if (begun) await writeSession(req, res, begun, sessionSecrets);
      const asker: Caller = begun ? { ...caller(req), credentials: { kind: "cookie", session: async () => begun } } : caller(req);
      sendJson(res, 200, { user: await chat.me(asker) });
    }],

    ["GET", /^\/api\/rooms$/, async ({ res }) => {
      sendJson(res, 200, { rooms: await chat.listRooms() });
    }],

    ["GET", /^\/api\/rooms\/([^/]+)\/messages$/, async ({ req, res, url, params }) => {
      const room = roomParam(params[0]);
      const limit = integerParam(url, "limit", PAGE_DEFAULT, 1, Number.MAX_SAFE_INTEGER);
      const before = url.searchParams.has("before") ? integerParam(url, "before", 0, 1, Number.MAX_SAFE_INTEGER) : undefined;
      sendJson(res, 200, { messages: await chat.history(caller(req), { room, limit, before }) });
    }],

    // Newest first; the next page is before=<the last result's seq>.
    ["GET", /^\/api\/rooms\/([^/]+)\/search$/, async ({ req, res, url, params }) => {
      const room = roomParam(params[0]);
      const limit = integerParam(url, "limit", SEARCH_DEFAULT, 1, SEARCH_MAX);
      const before = url.searchParams.has("before") ? integerParam(url, "before", 0, 1, Number.MAX_SAFE_INTEGER) : undefined;
      sendJson(res, 200, { messages: await chat.search(caller(req), { text: searchParam(url), room, limit, before }) });
    }],

    // Best match first, across the rooms the caller may read (every room until private rooms exist).
    ["GET", /^\/api\/search$/, async ({ req, res, url }) => {
      const limit = integerParam(url, "limit", SEARCH_DEFAULT, 1, SEARCH_MAX);
      sendJson(res, 200, { messages: await chat.search(caller(req), { text: searchParam(url), limit }) });
    }],

    ["POST", /^\/api\/rooms\/([^/]+)\/messages$/, async ({ req, res, params }) => {
      const room = roomParam(params[0]);
      sendJson(res, 201, { message: await chat.send(caller(req), withRoom(room, await body(req))) });
    }],

    ["PATCH", /^\/api\/rooms\/([^/]+)\/messages\/([^/]+)$/, async ({ req, res, params }) => {
      const room = roomParam(params[0]);
      const payload = withRoom(room, await body(req));
      const edit = typeof payload === "object" && payload !== null ? { ...payload, seq: seqParam(params[1]) } : payload;
      sendJson(res, 200, { message: await chat.editMessage(caller(req), edit) });
    }],

    ["DELETE", /^\/api\/rooms\/([^/]+)\/messages\/([^/]+)$/, async ({ req, res, params }) => {
      const message = await chat.deleteMessage(caller(req), { room: roomParam(params[0]), seq: seqParam(params[1]) });
      sendJson(res, 200, { message });
    }],

    // A reaction's emoji is the path's last segment, percent-encoded (%F0%9F%91%8D for 👍).
    ...(["PUT", "DELETE"] as const).map((method): [string, RegExp, Handler] => [method, /^\/api\/rooms\/([^/]+)\/messages\/([^/]+)\/reactions\/([^/]+)$/, async ({ req, res, params }) => {
      const payload = { room: roomParam(params[0]), seq: seqParam(params[1]), emoji: emojiParam(params[2]), on: method === "PUT" };
      sendJson(res, 200, { message: await chat.react(caller(req), payload) });
    }]),

    ...(["PUT", "DELETE"] as const).map((method): [string, RegExp, Handler] => [method, /^\/api\/rooms\/([^/]+)\/messages\/([^/]+)\/pin$/, async ({ req, res, params }) => {
      const payload = { room: roomParam(params[0]), seq: seqParam(params[1]), on: method === "PUT" };
      sendJson(res, 200, { message: await chat.pin(caller(req), payload) });
    }]),

    ["GET", /^\/api\/rooms\/([^/]+)\/stream$/, async ({ req, res, params }) => {
      if (!deps.streams) throw new HttpError(404, "not_found", "This node serves no streams.");
      const room = roomParam(params[0]);
      // A HEAD has no body to stream into: it would hold its connection open for nothing.
      if (req.method === "HEAD") return void res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" }).end();
      const release = chat.admit(clientAddress(req, config.trustProxy));
      res.once("close", release);
      const { streams } = deps;
      await chat.watch(caller(req), { room }, (admitted, who) => streams.serve(res, admitted, who));
    }],

    ["GET", /^\/api\/rooms\/([^/]+)$/, async ({ req, res, params }) => {
      sendJson(res, 200, await chat.roomDetails(caller(req), { room: roomParam(params[0]) }));
    }],

    ["PATCH", /^\/api\/rooms\/([^/]+)$/, async ({ req, res, params }) => {
      const room = roomParam(params[0]);
      sendJson(res, 200, { settings: await chat.configure(caller(req), withRoom(room, await body(req))) });
    }],

    ["POST", /^\/api\/rooms\/([^/]+)\/moderation$/, async ({ req, res, params }) => {
      const room = roomParam(params[0]);
      await chat.moderate(caller(req), withRoom(room, await body(req)));
      sendNoContent(res);
    }],

    ["POST", /^\/api\/rooms\/([^/]+)\/invites$/, async ({ req, res, params }) => {
      const room = roomParam(params[0]);
      sendJson(res, 201, await chat.invite(caller(req), withRoom(room, await body(req))));
    }],

    ["GET", /^\/api\/rooms\/([^/]+)\/audit$/, async ({ req, res, url, params }) => {
      const room = roomParam(params[0]);
      const limit = integerParam(url, "limit", 100, 1, 1000);
      sendJson(res, 200, { entries: await chat.audit(caller(req), { room, limit }) });
    }],

    ["GET", /^\/api\/me\/rooms$/, async ({ req, res }) => {
      sendJson(res, 200, { rooms: await chat.myRooms(caller(req)) });
    }],

    ["PUT", /^\/api\/me\/rooms\/([^/]+)$/, async ({ req, res, params }) => {
      const room = roomParam(params[0]);
      sendJson(res, 200, { rooms: await chat.addMyRoom(caller(req), withRoom(room, await body(req))) });
    }],

    ["DELETE", /^\/api\/me\/rooms\/([^/]+)$/, async ({ req, res, params }) => {
      sendJson(res, 200, { rooms: await chat.removeMyRoom(caller(req), { room: roomParam(params[0]) }) });
    }],

    ["PUT", /^\/api\/me\/rooms\/([^/]+)\/read$/, async ({ req, res, params }) => {
      const room = roomParam(params[0]);
      sendJson(res, 200, { lastReadSeq: await chat.markRead(caller(req), withRoom(room, await body(req))) });
    }],

    ["DELETE", /^\/api\/rooms\/([^/]+)$/, async ({ req, res, params }) => {
      await chat.deleteRoom(caller(req), { room: roomParam(params[0]) });
      sendNoContent(res);
    }],

    ["POST", /^\/api\/admin\/rooms\/([^/]+)\/crash$/, async ({ req, res, params }) => {
      const room = roomParam(params[0]);
      await chat.crashRoom(caller(req), { room });
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

/** A message's seq in the path: a whole number from 1. */
function seqParam(raw: string | undefined): number {
  const value = Number(raw);
  if (!/^\d{1,15}$/.test(raw ?? "") || value < 1) throw new ChatError("invalid_payload", "The message's seq in the path must be a whole number from 1.");
  return value;
}

/** A reaction's emoji in the path, decoded; whether it is one emoji is the chat service's call. */
function emojiParam(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? "");
  } catch {
    throw new ChatError("invalid_payload", "The emoji in the path is not valid URL encoding.");
  }
}

function searchParam(url: URL): string {
  const text = url.searchParams.get("q");
  if (text === null) throw new ChatError("invalid_payload", 'Say what to search for with the query parameter "q".');
  return text;
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

/** The path's room with the body's fields, the shape of the service's payloads (a body that is no object stays as it is, to be refused). */
function withRoom(room: string, body: unknown): unknown {
  return typeof body === "object" && body !== null && !Array.isArray(body) ? { ...body, room } : body;
}
