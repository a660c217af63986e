// JSON in and out for the HTTP API, with the contract's error shape.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ChatError, RateLimitedError, toErrorBody } from "../../lib/errors";
import type { ErrorBody, ErrorCode } from "../../lib/protocol";

const STATUS: Record<ErrorCode, number> = {
  invalid_room: 400,
  invalid_message: 400,
  invalid_payload: 400,
  not_joined: 409,
  name_taken: 409,
  rate_limited: 429,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  room_unavailable: 503,
  internal: 500,
};

/** A contract error with a status other than its code's usual one (413, 415). */
export class HttpError extends ChatError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(payload);
}

export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204, { "cache-control": "no-store" });
  res.end();
}

export function sendError(res: ServerResponse, error: unknown): ErrorBody {
  const body = toErrorBody(error);
  const status = error instanceof HttpError ? error.status : STATUS[body.code];
  // The rest of an oversized body is never read: the connection cannot be reused.
  if (status === 413 && !res.headersSent) res.setHeader("connection", "close");
  if (error instanceof RateLimitedError && !res.headersSent) res.setHeader("retry-after", String(error.retryAfterS));
  if (!res.headersSent) sendJson(res, status, { error: body });
  else res.end();
  return body;
}

/**
 * The client went away before its body arrived (it closed or reset the connection):
 * no one is left to answer, and it is not the server's fault.
 */
export class ClientGoneError extends Error {
  constructor() {
    super("The client closed the connection before its request body arrived.");
    this.name = "ClientGoneError";
  }
}

/** Reads a JSON body of at most `limit` bytes; an empty body reads as `{}`. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers["content-type"] ?? "";
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (req.destroyed && !(error instanceof HttpError)) throw new ClientGoneError();
    throw error;
  }
  if (size === 0) return {};
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, "invalid_payload", "Send the body as JSON with Content-Type: application/json.");
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "invalid_payload", "The body is not valid JSON.");
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, "invalid_payload", `The body is larger than ${limit} bytes.`);
}
