// A connection's HTTP request is read once and let go: the facts stay, the request does not.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Server } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { keepHandshakeFacts, type HandshakeFacts } from "./handshake-facts";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Socket.IO server with the facts kept; it notes each request weakly and each connection's facts. */
async function start(trustProxy = false) {
  const http = createServer();
  const io = new Server(http);
  const handshakeOf = keepHandshakeFacts(io, trustProxy);
  const requests: WeakRef<IncomingMessage>[] = [];
  io.engine.use((req: IncomingMessage, _res: unknown, next: () => void) => {
    requests.push(new WeakRef(req));
    next();
  });
  const facts: HandshakeFacts[] = [];
  io.on("connection", (socket) => facts.push(handshakeOf(socket.conn)));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => io.close(() => resolve())));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, requests, facts };
}

async function client(url: string, options: { transports: ("websocket" | "polling")[]; headers: Record<string, string> }): Promise<ClientSocket> {
  const socket = connect(url, { transports: options.transports, extraHeaders: options.headers, reconnection: false });
  cleanups.push(() => void socket.close());
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  return socket;
}

/** How many of the requests the garbage collector has taken. */
async function released(requests: WeakRef<IncomingMessage>[]): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    collectGarbage();
  }
  return requests.filter((request) => request.deref() === undefined).length;
}

describe("a connection's handshake", () => {
  it("keeps the client's address and cookies, not its HTTP request, over WebSocket", async () => {
    const server = await start();
    const socket = await client(server.url, { transports: ["websocket"], headers: { cookie: "livechat_session=abc" } });
    expect(server.facts).toEqual([{ address: "127.0.0.1", cookie: "livechat_session=abc" }]);
    expect(server.requests).toHaveLength(1);
    expect(await released(server.requests)).toBe(1);
    // The connection still works after its request is gone.
    expect(socket.connected).toBe(true);
  });

  it("reads the proxy's address behind TRUST_PROXY and lets go of a polling handshake's request", async () => {
    const server = await start(true);
    await client(server.url, { transports: ["polling"], headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(server.facts).toEqual([{ address: "203.0.113.9", cookie: "" }]);
    // Later requests carry the polls; the one that opened the connection is gone.
    await released(server.requests);
    expect(server.requests[0]!.deref()).toBeUndefined();
  });
});
