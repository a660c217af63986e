// A client that stops reading is cut off once its unsent output passes
// OUTBOUND_BUFFER_BYTES, and the room goes on for everyone else.
import type { Socket as NetSocket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectMessages, join, okOf, range, send, until } from "./testing/delivery-test-helpers";
import { startTestServer, type TestClient, type TestServer } from "./testing/test-server";

const LIMIT_BYTES = 256 * 1024;
let app: TestServer;

beforeAll(async () => {
  app = await startTestServer({ OUTBOUND_BUFFER_BYTES: String(LIMIT_BYTES), HISTORY_WINDOW: "200" });
});
afterAll(async () => {
  await app.close();
});

/** The TCP socket under a socket.io-client websocket connection. */
function tcpOf(client: TestClient): NetSocket {
  const transport = client.io.engine.transport as unknown as { ws?: { _socket?: NetSocket } };
  const tcp = transport.ws?._socket;
  if (!tcp) throw new Error("the client is not on a websocket");
  return tcp;
}

describe("a slow consumer", () => {
  it("is cut off at its bound while the others in the room get every message", async () => {
    const room = `slow-consumer-${Date.now()}`;
    const sender = await app.connect({ name: "sender" });
    const reader = await app.connect({ name: "reader" });
    const stalled = await app.connect({ name: "stalled" });
    for (const client of [sender, reader, stalled]) okOf(await join(client, room));
    const readerSaw = collectMessages(reader, room);
    const stalledServerSide = app.server.io!.sockets.sockets.get(stalled.id!)!;
    let cutAt: number | undefined;
    stalledServerSide.on("disconnect", () => (cutAt ??= Date.now()));

    // Stop reading: the kernel buffers fill, then the server's own buffer grows.
    tcpOf(stalled).pause();
    const stalledAt = Date.now();
    const content = "x".repeat(1990);
    let sent = 0;
    while (cutAt === undefined && sent < 2000) {
      okOf(await send(sender, room, `${++sent} ${content}`));
    }
    expect(cutAt, "the stalled client was never cut off").toBeDefined();
    expect(app.server.deliveryStats.slowConsumersCut).toBe(1);
    const metrics = await (await app.request("/api/metrics")).text();
    expect(metrics).toMatch(/^livechat_slow_consumers_cut_total\{[^}]*\} 1$/m);

    // The room goes on: more messages, and the reader has every one of them.
    for (let i = 0; i < 5; i++) okOf(await send(sender, room, `${++sent} after the cut-off`));
    await until(() => readerSaw.has(sent), 10_000, "the reader to see the last message");
    expect([...readerSaw.keys()].sort((a, b) => a - b)).toEqual(range(1, sent));
    expect(app.server.io!.sockets.sockets.has(stalled.id!)).toBe(false);

    // Once it reads again it learns it was cut off (and may reconnect for the full list).
    const told = new Promise<string>((resolve) => stalled.once("disconnect", resolve));
    tcpOf(stalled).resume();
    expect(await told).toBe("transport close");
    console.log(
      `[slow consumer] cut off after ${sent - 5} messages of ~2 KB (window 200: ~${Math.round((200 * 2100) / 1024)} KiB a push), ` +
        `${cutAt! - stalledAt} ms after it stopped reading; bound ${LIMIT_BYTES / 1024} KiB`,
    );
  });
});
