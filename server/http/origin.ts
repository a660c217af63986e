// Same-origin as the contract defines it: the Origin header's host equals the
// request's Host header, or the origin is listed in ALLOWED_ORIGINS. Requests
// without an Origin header (curl, server-side clients) are not cross-site.
import type { IncomingHttpHeaders } from "node:http";

export function isAllowedOrigin(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.host !== "" && parsed.host === headers.host) return true;
  return allowedOrigins.includes(parsed.origin);
}
