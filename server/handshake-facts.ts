// What a Socket.IO connection's HTTP request tells Livechat (the client's address and
// its cookies), read once when the connection opens; then the request is let go.
// Socket.IO otherwise keeps that request for the connection's whole life: the engine's
// `conn.request`, the handshake's copy of its headers, and Engine.IO's response object
// for a WebSocket upgrade, which a close listener on the TCP socket holds. On an idle
// socket that is 1 to 1.4 KB of its 13 to 14 KB of heap (docs/performance.md). Socket.IO's
// memory guide advises dropping `conn.request`; the response must let go as well. A
// connection that starts on long-polling and upgrades keeps its upgrade's request.
import { ServerResponse, type IncomingMessage } from "node:http";
import type { Server } from "socket.io";
import { clientAddress } from "./http/client-address";

export interface HandshakeFacts {
  /** The client's address (behind TRUST_PROXY, the one the proxy saw). */
  address: string;
  /** The request's Cookie header, or "". */
  cookie: string;
}

type EngineConnection = Server["engine"]["clients"][string];

/** Reads every new connection's facts before Socket.IO sees it; returns how to look them up. */
export function keepHandshakeFacts(io: Server, trustProxy: boolean): (conn: EngineConnection) => HandshakeFacts {
  /** WebSocket upgrades' responses (a polling request's ServerResponse is finished and holds nothing for long). */
  const upgrades = new WeakMap<IncomingMessage, { req?: IncomingMessage }>();
  const facts = new WeakMap<EngineConnection, HandshakeFacts>();
  io.engine.use((req: IncomingMessage, res: unknown, next: () => void) => {
    if (!(res instanceof ServerResponse)) upgrades.set(req, res as { req?: IncomingMessage });
    next();
  });
  // First, so the facts exist before Socket.IO's own listener could read them.
  io.engine.prependListener("connection", (conn: EngineConnection) => {
    const req = conn.request;
    facts.set(conn, { address: clientAddress(req, trustProxy), cookie: req.headers.cookie ?? "" });
    const upgrade = upgrades.get(req);
    if (upgrade) upgrade.req = undefined;
    (conn as { request: IncomingMessage | null }).request = null;
  });
  return (conn) => {
    const found = facts.get(conn);
    if (!found) throw new Error("a connection's handshake was not read");
    return found;
  };
}
