// room:activity waits a moment so each watcher gets its pushes in one write
// (activity-batches.ts): what a client sees must not change. Real server, real
// socket.io-client, which decodes every WebSocket frame itself.
import { io as connectClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, RoomActivityPush } from "../lib/protocol";
import { startTestServer, type TestClient, type TestServer } from "./testing/test-server";

let app: TestServer;
let counter = 0;
const uniqueRoom = (length = 0) => `batch-${++counter}-${Date.now()}-`.padEnd(length, "x");

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});

async function call(client: TestClient, event: string, payload: unknown): Promise<void> {
  const raw = client as unknown as { timeout(ms: number): { emitWithAck(event: string, payload: unknown): Promise<Ack<object>> } };
  const ack = await raw.timeout(5000).emitWithAck(event, payload);
  if (!ack.ok) throw new Error(`${event} refused: ${JSON.stringify(ack.error)}`);
}

function activityOf(client: TestClient): RoomActivityPush[] {
  const seen: RoomActivityPush[] = [];
  client.on("room:activity", (push) => seen.push(push));
  return seen;
}

/** Messages in several rooms at once, each of which the watcher hears of separately. */
async function chatter(rooms: string[], watcher: TestClient): Promise<RoomActivityPush[]> {
  const writer = await app.connect({ name: "writer" });
  for (const room of rooms) await call(writer, "room:join", { room });
  await call(watcher, "rooms:watch", { rooms });
  const seen = activityOf(watcher);
  for (const content of ["one", "two @Watcher"]) for (const room of rooms) await call(writer, "message:send", { room, content });
  return seen;
}

describe("room:activity for a watcher of several busy rooms", () => {
  it("arrives as one event per message, in each room's order, marked where it mentions the watcher", async () => {
    // Long names too: a frame of more than 125 bytes has a longer header.
    const rooms = [uniqueRoom(), uniqueRoom(), uniqueRoom(64)];
    const watcher = await app.connect({ name: "watcher" });
    const seen = await chatter(rooms, watcher);
    await expect.poll(() => seen.length).toBe(6);
    for (const room of rooms) {
      expect(seen.filter((push) => push.room === room)).toEqual([
        { room, seq: 1, username: "writer", mention: false },
        { room, seq: 2, username: "writer", mention: true },
      ]);
    }
  });

  it("reaches a connection on HTTP long-polling too", async () => {
    const rooms = [uniqueRoom(), uniqueRoom()];
    const watcher: TestClient = connectClient(app.url, { transports: ["polling"], reconnection: false, forceNew: true, auth: { name: "watcher" } });
    try {
      await new Promise((resolve, reject) => {
        watcher.once("connect", () => resolve(undefined));
        watcher.once("connect_error", reject);
      });
      const seen = await chatter(rooms, watcher);
      await expect.poll(() => seen.length).toBe(4);
      expect(seen.filter((push) => push.room === rooms[1]).map(({ seq, mention }) => ({ seq, mention }))).toEqual([
        { seq: 1, mention: false },
        { seq: 2, mention: true },
      ]);
    } finally {
      watcher.disconnect();
    }
  });
});
