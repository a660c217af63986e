// Pressure on live rooms: one address joining thousands of rooms at once. Its joins
// are refused cheaply (JOIN_RATE per address, MAX_LIVE_ROOMS for new rooms), rooms
// people are in are never evicted for it, someone from another address chats on, and
// once the flood's sockets are gone no room lists them. Guards issue 16: 2,000 sockets
// from one address joining 100 rooms each made other users' sends time out and left
// departed guests listed in 18 of 40 rooms.
import { io as connectClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Ack, JoinReply } from "../lib/protocol";
import { join, okOf, send } from "./testing/delivery-test-helpers";
import { startTestServer, type TestClient, type TestServer } from "./testing/test-server";

const MAX_LIVE_ROOMS = 30;
const JOIN_BURST = 20;
const SOCKETS = 20;
const ROOMS_EACH = 100;

let app: TestServer;

beforeAll(async () => {
  app = await startTestServer(
    { STORE: "memory", MAX_LIVE_ROOMS: String(MAX_LIVE_ROOMS), JOIN_RATE: "10", JOIN_BURST: String(JOIN_BURST), MAX_CONNECTIONS_PER_ADDRESS: "50" },
    { departureGraceMs: 200 },
  );
});
afterAll(async () => {
  await app.close();
});

function connectFrom(localAddress: string, name: string): Promise<TestClient> {
  const client: TestClient = connectClient(app.url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    localAddress,
    auth: { name },
  } as Parameters<typeof connectClient>[1]);
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("connect_error", reject);
  });
}

describe("a flood of joins from one address", () => {
  it("is refused cheaply, evicts no room in use, and leaves nobody listed once its sockets are gone", { timeout: 60_000 }, async () => {
    const stamp = Date.now().toString(36);
    const calm = `calm-${stamp}`;
    const sender = await connectFrom("127.0.0.2", "sender");
    const reader = await connectFrom("127.0.0.2", "reader");
    okOf(await join(sender, calm));
    okOf(await join(reader, calm));

    const flooders = await Promise.all(Array.from({ length: SOCKETS }, (_, i) => connectFrom("127.0.0.1", `flooder${i}`)));
    const answers = await Promise.all(
      flooders.flatMap((flooder, i) =>
        Array.from({ length: ROOMS_EACH }, (_, r) =>
          (flooder.timeout(5_000).emitWithAck("room:join", { room: `flood-${stamp}-${i}-${r}` }) as Promise<Ack<JoinReply>>).then(
            (ack) => (ack.ok ? "ok" : ack.error.code),
            () => "cut off",
          ),
        ),
      ),
    );
    const tally = (code: string) => answers.filter((answer) => answer === code).length;
    // Only the burst and what refilled meanwhile got in; everything else was turned away
    // before any room started, and each socket that went on joining past 20 refusals was
    // cut off: the server never held more than MAX_LIVE_ROOMS.
    expect(tally("ok")).toBeLessThan(MAX_LIVE_ROOMS);
    expect(tally("rate_limited") + tally("room_unavailable") + tally("cut off")).toBe(SOCKETS * ROOMS_EACH - tally("ok"));
    expect(flooders.filter((flooder) => flooder.connected)).toEqual([]);
    expect(app.server.deliveryStats.floodsCut).toBe(SOCKETS);
    expect(app.server.registry.liveRooms).toBeLessThanOrEqual(MAX_LIVE_ROOMS);

    // The room in use kept its worker and its people, and chat goes on in it.
    expect(app.server.registry.list().find((summary) => summary.name === calm)?.members).toBe(2);
    const heard = new Promise<void>((resolve) => reader.on("room:messages", (push) => push.messages.some((m) => m.content === "after the flood") && resolve()));
    okOf(await send(sender, calm, "after the flood"));
    await heard;

    // The flood's sockets go: within seconds no room lists any of them.
    for (const flooder of flooders) flooder.disconnect();
    await vi.waitFor(
      () => {
        const listed = app.server.registry.list().filter((summary) => summary.name.startsWith(`flood-${stamp}`) && summary.members > 0);
        expect(listed).toEqual([]);
      },
      { timeout: 6_000, interval: 100 },
    );
    expect(app.server.registry.list().find((summary) => summary.name === calm)?.members).toBe(2);
    sender.disconnect();
    reader.disconnect();
  });
});
