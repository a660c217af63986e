// The session cookie on HTTP requests and responses: read, written and cleared here.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseCookies, serialize } from "cookie";
import {
  sealSession,
  SESSION_COOKIE,
  SESSION_TTL_S,
  sessionCookieOptions,
  unsealSession,
  type SessionData,
  type SessionSecrets,
} from "../../lib/accounts/session";
import { isHttps } from "./security-headers";

export function readSession(req: IncomingMessage, secrets: SessionSecrets): Promise<SessionData> {
  return unsealSession(parseCookies(req.headers.cookie ?? "")[SESSION_COOKIE], secrets);
}

export async function writeSession(
  req: IncomingMessage,
  res: ServerResponse,
  data: SessionData,
  secrets: SessionSecrets,
): Promise<void> {
  const seal = await sealSession(data, secrets);
  // The cookie ends a minute before the seal does, so a browser never sends an expired seal.
  appendCookie(res, serialize(SESSION_COOKIE, seal, { ...sessionCookieOptions(isHttps(req)), maxAge: SESSION_TTL_S - 60 }));
}

export function clearSession(req: IncomingMessage, res: ServerResponse): void {
  appendCookie(res, serialize(SESSION_COOKIE, "", { ...sessionCookieOptions(isHttps(req)), maxAge: 0 }));
}

function appendCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader("set-cookie");
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("set-cookie", [...list.filter((value) => !value.startsWith(`${SESSION_COOKIE}=`)), cookie]);
}
