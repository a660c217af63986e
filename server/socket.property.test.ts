// Property-based: every Socket.IO event with generated payloads (any JSON value,
// wrong types, missing fields, odd and huge strings, no ack, extra arguments) is
// answered in the contract's shape, never `internal`, and never crashes anything.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyValue, assertProperty, batchOf, BATCH, isErrorBody, oddString, payload, RUNS } from "../lib/testing/arbitraries";
import type { Message } from "../lib/protocol";
import { startTestServer, type TestClient, type TestServer } from "./testing/test-server";
import { MAX_PACKET_BYTES } from "./socket";

const JOINED = "fuzz-joined";

let app: TestServer;
let client: TestClient;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  app = await startTestServer();
  client = await app.connect();
  await client.timeout(5000).emitWithAck("room:join", { room: JOINED });
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await app.close();
});

const roomField = fc.oneof(fc.constantFrom(JOINED, "FUZZ-Joined ", "lobby"), oddString);
const seqField = fc.oneof(fc.integer({ min: -2, max: 50 }), fc.double(), anyValue);
const emojiField = fc.oneof(fc.constantFrom("👍", "❤", "❤️", "🇫🇷", "👨‍👩‍👧", "ok", "", "👍👍"), oddString, anyValue);
const onField = fc.oneof(fc.boolean(), anyValue);
const underPacketBound = (value: unknown) => Buffer.byteLength(JSON.stringify(value)) < MAX_PACKET_BYTES / 2;

/** Emits raw arguments; resolves with the ack, or "no ack" when none was asked for. */
async function emitRaw(event: string, args: unknown[], withAck: boolean): Promise<unknown> {
  const raw = client as unknown as {
    emit(event: string, ...args: unknown[]): void;
    timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  };
  if (!withAck) {
    raw.emit(event, ...args);
    return "no ack";
  }
  return raw.timeout(5000).emitWithAck(event, ...args);
}

function checkAck(event: string, ack: unknown): void {
  if (ack === "no ack") return;
  const reply = ack as { ok?: unknown; error?: unknown; message?: Message; room?: unknown; messages?: unknown };
  if (reply.ok === false) {
    expect(isErrorBody(reply.error), JSON.stringify(ack)).toBe(true);
    expect((reply.error as { code: string }).code).not.toBe("internal");
    return;
  }
  expect(reply.ok).toBe(true);
  if (event === "room:join") {
    expect(typeof reply.room).toBe("string");
    expect(Array.isArray(reply.messages)).toBe(true);
  }
  if (event === "room:read") expect(typeof (reply as { lastReadSeq?: unknown }).lastReadSeq).toBe("number");
  if (event === "rooms:watch") expect(Array.isArray((reply as { rooms?: unknown }).rooms)).toBe(true);
  if (event.startsWith("message:")) {
    expect(reply.message).toMatchObject({ room: expect.any(String), seq: expect.any(Number), content: expect.any(String) });
  }
}

const surfaces: Array<[string, fc.Arbitrary<unknown>]> = [
  ["room:join", payload({ room: roomField })],
  ["room:leave", payload({ room: roomField })],
  ["message:send", payload({ room: roomField, content: oddString, clientId: oddString, replyTo: seqField })],
  ["message:edit", payload({ room: roomField, seq: seqField, content: oddString })],
  ["message:delete", payload({ room: roomField, seq: seqField })],
  ["message:react", payload({ room: roomField, seq: seqField, emoji: emojiField, on: onField })],
  ["message:pin", payload({ room: roomField, seq: seqField, on: onField })],
  // Awareness (v1.1).
  ["typing", payload({ room: roomField })],
  ["room:read", payload({ room: roomField, seq: fc.oneof(fc.integer(), fc.double(), anyValue) })],
  // 120 long names can pass the 32 KB packet bound, past which Socket.IO closes the
  // connection by design (server/limits.test.ts): stay under it to test the handler.
  ["rooms:watch", payload({ rooms: fc.oneof(fc.array(roomField, { maxLength: 120 }).filter(underPacketBound), anyValue) })],
];

describe.each(surfaces)("%s with generated payloads", (event, arbitrary) => {
  it(`answers ${RUNS} of them in the contract's shape and stays connected`, async () => {
    let answered = 0;
    const call = fc.tuple(arbitrary, fc.array(anyValue, { maxLength: 2 }), fc.boolean());
    await assertProperty(
      fc.asyncProperty(batchOf(call), async (batch) => {
        const acks = await Promise.all(batch.map(([first, extra, withAck]) => emitRaw(event, [first, ...extra], withAck)));
        for (const ack of acks) checkAck(event, ack);
        answered += batch.length;
      }),
      RUNS / BATCH,
    );
    expect(answered).toBe(RUNS);
    expect(client.connected).toBe(true);
    // Leaves must not empty the one room the sends are meant to reach.
    await client.timeout(5000).emitWithAck("room:join", { room: JOINED });
    expect(unhandled).toEqual([]);
    expect((await app.request("/api/health")).status).toBe(200);
  }, 90_000);
});
