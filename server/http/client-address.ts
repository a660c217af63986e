// Who is asking, for per-address limits: the TCP peer, or with TRUST_PROXY the
// address the proxy appended last to X-Forwarded-For (earlier entries are whatever
// the client sent, and ignored).
import type { IncomingMessage } from "node:http";

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? String(req.headers["x-forwarded-for"] ?? "").split(",").at(-1)?.trim() : undefined;
  return forwarded || req.socket.remoteAddress || "unknown";
}
