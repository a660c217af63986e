// One address cannot take the server down: Socket.IO connections, SSE streams and
// gRPC Watch streams count against one cap per client address, the excess is
// answered rate_limited in each transport's way, and everyone else carries on.
// On one machine "another address" is 127.0.0.2 as the source (all of 127/8 is
// loopback on Linux), or an X-Forwarded-For entry behind TRUST_PROXY.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { status } from "@grpc/grpc-js";
import { io as connectClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Ack, JoinReply, SendReply } from "../lib/protocol";
import { connectGrpc, openSse, type GrpcTestClient, type GrpcWatch, type SseReader } from "./testing/test-clients";
import { startTestServer, type TestClient, type TestServer } from "./testing/test-server";

const CAP = 20;

let app: TestServer;
let grpc: GrpcTestClient;
let counter = 0;
const uniqueRoom = () => `limits-${++counter}-${Date.now().toString(36)}`;

beforeAll(async () => {
  app = await startTestServer({ MAX_CONNECTIONS_PER_ADDRESS: String(CAP), STORE: "memory" });
  grpc = connectGrpc(`127.0.0.1:${app.server.grpc!.port}`);
});
afterAll(async () => {
  grpc.close();
  await app.close();
});

type Attempt = { client: TestClient; outcome: "connected" } | { client: TestClient; outcome: "refused"; code: unknown };

/** A page's connection from `localAddress`: connected, or refused with the contract's code. */
function connectFrom(localAddress: string, headers: Record<string, string> = {}): Promise<Attempt> {
  const client: TestClient = connectClient(app.url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    localAddress,
    extraHeaders: headers,
  } as Parameters<typeof connectClient>[1]);
  return new Promise((resolve) => {
    client.once("connect", () => resolve({ client, outcome: "connected" }));
    client.once("connect_error", (error: Error & { data?: { code?: unknown } }) =>
      resolve({ client, outcome: "refused", code: error.data?.code }),
    );
  });
}

/** Opens an SSE stream from `localAddress` and answers its status and Retry-After. */
function sseFrom(localAddress: string, room: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  const url = new URL(`${app.url}/api/rooms/${room}/stream`);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, localAddress, headers }, resolve);
    req.on("error", reject);
    req.end();
  });
}

describe("connections per client address", () => {
  // Guards issue 16: one address opened 19,972 SSE streams until the server ran out of
  // file descriptors, and every new connection from anyone was reset.
  it("caps one address's sockets, SSE streams and gRPC watches together, and another address still connects, joins and sends", async () => {
    const room = uniqueRoom();
    const sockets = await Promise.all(Array.from({ length: 10 }, () => connectFrom("127.0.0.1")));
    const streams: SseReader[] = await Promise.all(Array.from({ length: 10 }, (_, i) => openSse(`${app.url}/api/rooms/${room}-${i}/stream`)));
    expect(sockets.filter((a) => a.outcome === "connected")).toHaveLength(10);
    expect(streams.map((s) => s.status)).toEqual(Array(10).fill(200));
    await vi.waitFor(() => expect(app.server.connections.countOf("127.0.0.1")).toBe(CAP));

    // The cap is reached: a flood of 100 more sockets and 100 more streams is answered rate_limited.
    const refusedSockets = await Promise.all(Array.from({ length: 100 }, () => connectFrom("127.0.0.1")));
    expect(refusedSockets.filter((a) => a.outcome === "refused" && a.code === "rate_limited")).toHaveLength(100);
    const refusedStreams = await Promise.all(Array.from({ length: 100 }, (_, i) => openSse(`${app.url}/api/rooms/${room}-x${i}/stream`)));
    expect(refusedStreams.filter((stream) => stream.status === 429)).toHaveLength(100);
    const refusedWatch: GrpcWatch = grpc.watch(`${room}-grpc`);
    expect(await refusedWatch.ended).toMatchObject({ code: status.RESOURCE_EXHAUSTED });

    // Another address: a page connects, joins and sends; its SSE stream opens.
    const other = await connectFrom("127.0.0.2");
    expect(other.outcome).toBe("connected");
    const joined = (await other.client.timeout(5000).emitWithAck("room:join", { room })) as Ack<JoinReply>;
    expect(joined.ok).toBe(true);
    const sent = (await other.client.timeout(5000).emitWithAck("message:send", { room, content: "still here" })) as Ack<SendReply>;
    expect(sent).toMatchObject({ ok: true, message: { content: "still here" } });
    const otherStream = await sseFrom("127.0.0.2", room);
    expect(otherStream.statusCode).toBe(200);
    otherStream.destroy();

    // Closing frees the allowance: the first address connects again.
    for (const attempt of [...sockets, ...refusedSockets, other]) attempt.client.disconnect();
    for (const stream of streams) stream.close();
    await vi.waitFor(() => expect(app.server.connections.countOf("127.0.0.1")).toBe(0));
    const again = await connectFrom("127.0.0.1");
    expect(again.outcome).toBe("connected");
    again.client.disconnect();
  });

  it("answers an SSE stream past the cap 429 rate_limited with Retry-After", async () => {
    const room = uniqueRoom();
    const held = await Promise.all(Array.from({ length: CAP }, (_, i) => sseFrom("127.0.0.1", `${room}-${i}`)));
    const refused = await sseFrom("127.0.0.1", room);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    const body = await new Promise<string>((resolve) => {
      let text = "";
      refused.on("data", (chunk: Buffer) => (text += chunk.toString()));
      refused.on("end", () => resolve(text));
    });
    expect(JSON.parse(body)).toMatchObject({ error: { code: "rate_limited" } });
    for (const response of held) response.destroy();
    await vi.waitFor(() => expect(app.server.connections.countOf("127.0.0.1")).toBe(0));
  });

  it("counts gRPC Watch streams, which share one HTTP/2 connection, each on its own", async () => {
    const room = uniqueRoom();
    const watches = Array.from({ length: CAP }, (_, i) => grpc.watch(`${room}-${i}`));
    await vi.waitFor(() => expect(app.server.connections.countOf("127.0.0.1")).toBe(CAP));
    expect(await grpc.watch(room).ended).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    for (const watch of watches) watch.cancel();
    await vi.waitFor(() => expect(app.server.connections.countOf("127.0.0.1")).toBe(0));
  });
});

describe("behind a proxy (TRUST_PROXY)", () => {
  let proxied: TestServer;
  beforeAll(async () => {
    proxied = await startTestServer({ MAX_CONNECTIONS_PER_ADDRESS: "2", TRUST_PROXY: "true", ADAPTERS: "web" });
  });
  afterAll(async () => {
    await proxied.close();
  });

  it("counts the address the proxy appended, not the proxy's own", async () => {
    const as = (address: string) => ({ "x-forwarded-for": `10.9.9.9, ${address}` });
    const url = (room: string) => `${proxied.url}/api/rooms/${room}/stream`;
    const room = uniqueRoom();
    const first = await Promise.all([1, 2].map((i) => fetch(url(`${room}-${i}`), { headers: as("203.0.113.1") })));
    expect(first.map((r) => r.status)).toEqual([200, 200]);
    expect((await fetch(url(room), { headers: as("203.0.113.1") })).status).toBe(429);
    const second = await fetch(url(room), { headers: as("203.0.113.2") });
    expect(second.status).toBe(200);
    for (const response of [...first, second]) await response.body?.cancel();
  });
});

describe("the node's connection budget", () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ MAX_CONNECTIONS: "3", ADAPTERS: "web" });
  });
  afterAll(async () => {
    await small.close();
  });

  it("refuses long-lived connections past MAX_CONNECTIONS, whatever their address, and health checks still answer", async () => {
    const room = uniqueRoom();
    const held = await Promise.all([1, 2, 3].map((i) => openSse(`${small.url}/api/rooms/${room}-${i}/stream`)));
    expect(held.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await openSse(`${small.url}/api/rooms/${room}/stream`);
    expect(refused.status).toBe(429);
    expect((await small.request("/api/health")).status).toBe(200);
    for (const stream of held) stream.close();
  });
});
