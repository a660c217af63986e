// Security headers on every answer: pages get a Content-Security-Policy the app
// runs under; API answers get one that allows nothing, since they are data.
import type { IncomingMessage, ServerResponse } from "node:http";

export interface HeaderContext {
  dev: boolean;
  https: boolean;
}

const COMMON: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "strict-origin-when-cross-origin",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

// Hosts as browsers send them: names, IPv4, [IPv6], with a port. Anything else
// never reaches the policy, so a forged Host header cannot widen it.
const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The pages' policy. script-src needs 'unsafe-inline': Next's App Router inlines
 * its bootstrap (`self.__next_f.push`), and a nonce would force every page to
 * render per request (docs/security.md explains the choice). connect-src names
 * the socket's ws:/wss: origin on this host: 'self' covers it in newer browsers only.
 */
export function pagePolicy(context: HeaderContext, host: string | undefined): string {
  const sockets = host && HOST.test(host) ? ` ${context.https ? "wss" : "ws"}://${host}` : "";
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${context.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "manifest-src 'self'",
    "worker-src 'self' blob:",
    ...(context.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

export const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/** Sets the headers before anything answers; a handler may still override one. */
export function setSecurityHeaders(req: IncomingMessage, res: ServerResponse, context: HeaderContext): void {
  for (const [name, value] of Object.entries(COMMON)) res.setHeader(name, value);
  const api = (req.url ?? "/").startsWith("/api/");
  res.setHeader("content-security-policy", api ? API_POLICY : pagePolicy(context, req.headers.host));
  if (context.https) res.setHeader("strict-transport-security", "max-age=31536000; includeSubDomains");
}

/** Served over TLS here, or by a proxy that says so. */
export function isHttps(req: IncomingMessage): boolean {
  return "encrypted" in req.socket || req.headers["x-forwarded-proto"] === "https";
}
