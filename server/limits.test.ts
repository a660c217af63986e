// Size and time limits: packets sized for chat, joins per connection, Node's
// slow-client timeouts. Each one bounds what a single client can cost the server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, JoinReply, SendReply } from "../lib/protocol";
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from "./create-server";
import { MAX_ROOMS_PER_CONNECTION } from "../lib/chat/service";
import { MAX_PACKET_BYTES } from "./socket";
import { startTestServer, type TestClient, type TestServer } from "./testing/test-server";

let app: TestServer;
let counter = 0;
const uniqueRoom = () => `limits-${++counter}-${Date.now()}`;

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});

const join = (client: TestClient, room: string) =>
  client.timeout(5000).emitWithAck("room:join", { room }) as Promise<Ack<JoinReply>>;
const send = (client: TestClient, room: string, content: string) =>
  client.timeout(5000).emitWithAck("message:send", { room, content }) as Promise<Ack<SendReply>>;

describe("Socket.IO packet size", () => {
  it("is tens of KB, not the 1 MB default", () => {
    expect(MAX_PACKET_BYTES).toBe(32 * 1024);
  });

  it.each([
    ["four-byte emoji", "🎉"],
    ["characters JSON escapes to six bytes", "\u0001"],
    ["quotes", '"'],
  ])("accepts the longest message made of %s", async (_, char) => {
    const room = uniqueRoom();
    const client = await app.connect();
    expect((await join(client, room)).ok).toBe(true);
    const reply = await send(client, room, "a" + char.repeat(1998) + "z");
    expect(reply).toMatchObject({ ok: true, message: { seq: 1 } });
  });

  it("closes only the connection that sends a bigger packet; the room goes on for everyone else", async () => {
    const room = uniqueRoom();
    const flooder = await app.connect();
    const bystander = await app.connect();
    expect((await join(flooder, room)).ok).toBe(true);
    expect((await join(bystander, room)).ok).toBe(true);
    const closed = new Promise<string>((resolve) => flooder.on("disconnect", (reason) => resolve(reason)));
    flooder.emit("message:send", { room, content: "x".repeat(MAX_PACKET_BYTES) }, () => {});
    expect(await closed).toBe("transport close");
    expect(await send(bystander, room, "still here")).toMatchObject({ ok: true, message: { content: "still here" } });
    expect(bystander.connected).toBe(true);
  });
});

describe("rooms per connection", () => {
  it(`lets one connection be in ${MAX_ROOMS_PER_CONNECTION} rooms and answers one more with rate_limited`, async () => {
    const client = await app.connect();
    const base = uniqueRoom();
    for (let i = 0; i < MAX_ROOMS_PER_CONNECTION; i++) expect((await join(client, `${base}-${i}`)).ok).toBe(true);
    expect(await join(client, `${base}-one-more`)).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    // Joining a room it is already in, or one after leaving another, still works.
    expect((await join(client, `${base}-0`)).ok).toBe(true);
    await client.timeout(5000).emitWithAck("room:leave", { room: `${base}-0` });
    expect((await join(client, `${base}-one-more`)).ok).toBe(true);
    expect(client.connected).toBe(true);
  });
});

describe("HTTP server timeouts", () => {
  it("bounds how long a client may take to send headers and a request, and to idle between requests", () => {
    const { httpServer } = app.server;
    expect(httpServer.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(httpServer.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(httpServer.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(HEADERS_TIMEOUT_MS).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS);
    expect(REQUEST_TIMEOUT_MS).toBeLessThanOrEqual(60_000);
  });
});
