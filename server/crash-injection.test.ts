// Crash injection: rooms are crashed through the admin route, over and over, while
// senders send over real Socket.IO into the SQLite store. Senders retry a
// room_unavailable with the same clientId, as the page's outbox does. Afterwards no
// acknowledged message is missing, no clientId is stored twice, and every room's
// seq runs 1, 2, 3... without a gap, in the server and in the database on disk.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Ack, Message, SendReply } from "../lib/protocol";
import { openSqliteStore } from "../lib/store/sqlite";
import { RecordingLogger } from "../lib/testing/fakes";
import { ADMIN_TOKEN, startTestServer, type TestClient, type TestServer } from "./testing/test-server";

const ROOMS = 10;
const SENDERS = 5;
const MESSAGES_PER_SENDER = 1000;
const CRASHES = 100;
/** Sends each sender keeps in flight, so a room's mailbox holds work when it is killed. */
const IN_FLIGHT = 4;

/** Tens of seconds on a busy 2-core machine; the budget leaves room for a busier one. */
const HEAVY_TEST_TIMEOUT_MS = 120_000;

let app: TestServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "livechat-crash-"));
  // Ten crashes per room would rest it under the production intensity (5 in 10 s),
  // which has tests of its own; here every crash is meant to be restarted.
  app = await startTestServer({ DATA_DIR: dataDir }, { restartIntensity: { maxRestarts: 1000, withinMs: 10_000, coolOffMs: 1000 } });
});
afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const roomName = (i: number) => `crash-room-${i}`;
const rooms = Array.from({ length: ROOMS }, (_, i) => roomName(i));

async function untilOk<T extends object>(attempt: () => Promise<Ack<T>>, counts: { unavailable: number }): Promise<T> {
  for (let tries = 1; ; tries++) {
    let ack: Ack<T> | undefined;
    try {
      ack = await attempt();
    } catch (error) {
      // No ack within the timeout: the same clientId makes the retry safe.
      if (tries >= 50) throw error;
    }
    if (ack?.ok) return ack;
    if (ack && ack.error.code !== "room_unavailable") throw new Error(`unexpected answer ${JSON.stringify(ack.error)}`);
    if (tries >= 50) throw new Error("still room_unavailable after 50 tries");
    counts.unavailable += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

it("loses no acknowledged message and stores no clientId twice while 100 crashes hit 10 rooms under 5 senders", async () => {
  const started = performance.now();
  const counts = { unavailable: 0, acked: 0 };
  const acked = new Map<string, Message>();
  const clients: TestClient[] = [];
  for (let s = 0; s < SENDERS; s++) clients.push(await app.connect({ name: `sender${s}` }));
  for (const client of clients) {
    for (const room of rooms) await untilOk(() => client.timeout(5000).emitWithAck("room:join", { room }), counts);
  }

  async function sender(client: TestClient, s: number): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < MESSAGES_PER_SENDER) {
        const j = next++;
        const room = roomName(j % ROOMS);
        const clientId = `s${s}-m${j}`;
        const reply = await untilOk<SendReply>(
          () => client.timeout(5000).emitWithAck("message:send", { room, content: `message ${j} from sender ${s}`, clientId }),
          counts,
        );
        expect(reply.message).toMatchObject({ room, clientId });
        acked.set(clientId, reply.message);
        counts.acked += 1;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  }

  // Crash k waits until k/(CRASHES+1) of all messages are acknowledged, which spreads
  // the crashes over the whole run whatever the machine's speed.
  let crashes = 0;
  const crasher = async () => {
    const total = SENDERS * MESSAGES_PER_SENDER;
    for (let k = 1; k <= CRASHES; k++) {
      while (counts.acked < (k * total) / (CRASHES + 1)) await new Promise((resolve) => setTimeout(resolve, 1));
      const response = await app.request(`/api/admin/rooms/${roomName(k % ROOMS)}/crash`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(response.status).toBe(200);
      crashes += 1;
    }
  };

  await Promise.all([crasher(), ...clients.map((client, s) => sender(client, s))]);
  const runtime = performance.now() - started;

  expect(crashes).toBe(CRASHES);
  await expect.poll(() => app.server.registry.restarts).toBe(CRASHES);
  expect(acked.size).toBe(SENDERS * MESSAGES_PER_SENDER);

  const { registry } = app.server;
  const storedByRoom = await Promise.all(rooms.map((room) => registry.history(room, 10_000)));
  checkStored(storedByRoom, acked);

  // The database on disk holds the same, message for message.
  await app.close();
  const reopened = await openSqliteStore({ dir: dataDir, logger: new RecordingLogger() });
  expect(await Promise.all(rooms.map((room) => reopened.recent(room, 10_000)))).toEqual(storedByRoom);
  await reopened.close();

  console.log(
    `crash injection: ${CRASHES} crashes, ${acked.size} messages acknowledged, 0 lost, 0 duplicated, ` +
      `${counts.unavailable} room_unavailable answers retried, ${Math.round(runtime)} ms`,
  );
}, HEAVY_TEST_TIMEOUT_MS);

function checkStored(storedByRoom: Message[][], acked: Map<string, Message>): void {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const stored of storedByRoom) {
    expect(stored.map((message) => message.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    for (const message of stored) {
      if (seen.has(message.clientId!)) duplicates += 1;
      seen.add(message.clientId!);
    }
  }
  expect(duplicates).toBe(0);
  const byClientId = new Map(storedByRoom.flat().map((message) => [message.clientId!, message]));
  const lost = [...acked].filter(([clientId, message]) => {
    const stored = byClientId.get(clientId);
    return !stored || stored.id !== message.id || stored.seq !== message.seq;
  });
  expect(lost).toEqual([]);
  expect(byClientId.size).toBe(acked.size);
}
