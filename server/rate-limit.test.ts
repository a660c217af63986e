// The per-connection message rate limit (token bucket: 10 a second sustained,
// 20 at once), and a flood from one socket that other rooms do not notice.
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, RoomMessagesPush, SendReply } from "../lib/protocol";
import { join, okOf, percentile, send, until } from "./delivery-test-helpers";
import { startTestServer, type TestServer } from "./test-server";

let app: TestServer;
let roomCounter = 0;
const uniqueRoom = () => `rate-${++roomCounter}-${Date.now()}`;

beforeAll(async () => {
  app = await startTestServer({ MESSAGE_RATE: "10", MESSAGE_BURST: "20" });
});
afterAll(async () => {
  await app.close();
});

describe("the message rate limit", () => {
  it("answers rate_limited past the burst, keeps the connection open, and lets the sender go on later", async () => {
    const room = uniqueRoom();
    const client = await app.connect();
    okOf(await join(client, room));
    const before = app.server.deliveryStats.rateLimited;

    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => send(client, room, `burst ${i}`)));
    const refused = acks.filter((ack) => !ack.ok);
    expect(acks.filter((ack) => ack.ok)).toHaveLength(20);
    expect(refused).toHaveLength(10);
    for (const ack of refused) {
      expect(ack).toEqual({ ok: false, error: { code: "rate_limited", message: expect.stringMatching(/10 a second/) } });
    }
    expect(app.server.deliveryStats.rateLimited - before).toBe(10);

    expect(client.connected).toBe(true);
    // Tokens come back at 10 a second: one is there again within about 100 ms.
    let later = await send(client, room, "after a pause");
    for (let tries = 0; !later.ok && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      later = await send(client, room, "after a pause");
    }
    expect(okOf(later).message.seq).toBe(21);
  });
});

describe("a flood from one socket", () => {
  it("is throttled while clients in other rooms get every message", async () => {
    const rooms = Array.from({ length: 8 }, () => uniqueRoom());
    const pairs = await Promise.all(
      rooms.map(async (room) => {
        const sender = await app.connect();
        const receiver = await app.connect();
        okOf(await join(sender, room));
        okOf(await join(receiver, room));
        return { room, sender, receiver };
      }),
    );

    // Delivery latency: from the sender's emit to the receiver's push holding it.
    const emittedAt = new Map<string, number>();
    const latencies = { baseline: [] as number[], flood: [] as number[] };
    let phase: keyof typeof latencies = "baseline";
    const received = new Set<string>();
    for (const { room, receiver } of pairs) {
      receiver.on("room:messages", (push: RoomMessagesPush) => {
        if (push.room !== room) return;
        const now = performance.now();
        for (const message of push.messages) {
          const id = message.clientId;
          if (!id || received.has(id)) continue;
          received.add(id);
          const at = emittedAt.get(id);
          if (at !== undefined) latencies[phase].push(now - at);
        }
      });
    }
    const sentIds: string[] = [];
    let n = 0;
    async function chatFor(ms: number) {
      // Each sender: 5 messages a second, well inside its own limit.
      const end = performance.now() + ms;
      while (performance.now() < end) {
        for (const { room, sender } of pairs) {
          const id = `m-${++n}`;
          sentIds.push(id);
          emittedAt.set(id, performance.now());
          void send(sender, room, `chat ${n}`, id).then(okOf);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    await chatFor(3_000);
    await until(() => sentIds.every((id) => received.has(id)), 10_000, "the baseline messages");

    const floodRoom = uniqueRoom();
    const flooder = await app.connect({ name: "flooder" });
    okOf(await join(flooder, floodRoom));
    phase = "flood";
    const floodAcks: Array<Promise<Ack<SendReply>>> = [];
    const floodStart = performance.now();
    const flood = setInterval(() => {
      // 1,000 a second, catching up whatever a late timer missed.
      const due = Math.floor(performance.now() - floodStart) - floodAcks.length;
      for (let i = 0; i < due; i++) floodAcks.push(send(flooder, floodRoom, `flood ${floodAcks.length}`));
    }, 10);
    await chatFor(3_000);
    clearInterval(flood);
    const floodSeconds = (performance.now() - floodStart) / 1000;
    const answers = await Promise.all(floodAcks);
    await until(() => sentIds.every((id) => received.has(id)), 10_000, "every message of the other rooms");

    const accepted = answers.filter((ack) => ack.ok).length;
    const refused = answers.filter((ack) => !ack.ok && ack.error.code === "rate_limited").length;
    expect(accepted + refused).toBe(answers.length);
    expect(accepted).toBeLessThanOrEqual(20 + Math.ceil(10 * floodSeconds) + 1);
    expect(refused).toBeGreaterThan(answers.length / 2);
    expect(flooder.connected).toBe(true);
    const stored = (await (await app.request(`/api/rooms/${floodRoom}/messages?limit=200`)).json()) as { messages: unknown[] };
    expect(stored.messages).toHaveLength(accepted);
    expect(sentIds.every((id) => received.has(id))).toBe(true);

    const p99 = { baseline: percentile(latencies.baseline, 99), flood: percentile(latencies.flood, 99) };
    console.log(
      `[flood] one socket sent ${answers.length} messages in ${floodSeconds.toFixed(1)} s ` +
        `(${Math.round(answers.length / floodSeconds)}/s): ${accepted} stored, ${refused} rate_limited. ` +
        `Other rooms (8 senders at 5/s): p50 ${percentile(latencies.baseline, 50).toFixed(1)} -> ${percentile(latencies.flood, 50).toFixed(1)} ms, ` +
        `p99 ${p99.baseline.toFixed(1)} ms without the flood, ${p99.flood.toFixed(1)} ms with it ` +
        `(${(p99.flood / p99.baseline).toFixed(2)}x; ${latencies.baseline.length}+${latencies.flood.length} samples)`,
    );
  });
});
