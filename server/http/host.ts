// DNS rebinding: a page on an attacker's domain that later resolves to this server
// talks to it same-origin, with its own name in the Host header. With PUBLIC_URL set,
// only the names it lists are served; without it, any Host is (a laptop, a test).
import type { IncomingHttpHeaders } from "node:http";

/** Whether the request's Host header names one of `publicHosts` (any port); true when none are set. */
export function isServedHost(headers: IncomingHttpHeaders, publicHosts: readonly string[]): boolean {
  if (publicHosts.length === 0) return true;
  const host = headers.host;
  if (!host) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  return publicHosts.includes(hostname.replace(/\.$/, "").toLowerCase());
}

export function wrongHostMessage(publicHosts: readonly string[]): string {
  return `This server answers only as ${publicHosts.join(", ")} (PUBLIC_URL); the request named another host.`;
}
