// The per-connection message rate limit (token bucket: 10 a second sustained,
// 20 at once), and a flood from one socket that other rooms do not notice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join, okOf, send } from "./testing/delivery-test-helpers";
import { describeFlood, measureFlood } from "./testing/flood-probe";
import { startTestServer, type TestServer } from "./testing/test-server";

let app: TestServer;
let roomCounter = 0;
const uniqueRoom = () => `rate-${++roomCounter}-${Date.now()}`;

beforeAll(async () => {
  app = await startTestServer({ MESSAGE_RATE: "10", MESSAGE_BURST: "20" });
});
afterAll(async () => {
  await app.close();
});

/** livechat_rate_limited_total as GET /api/metrics reports it. */
async function rateLimitedMetric(): Promise<number> {
  const text = await (await app.request("/api/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith("livechat_rate_limited_total"));
  return Number(line?.split(" ").at(-1));
}

describe("the message rate limit", () => {
  it("answers rate_limited past the burst, keeps the connection open, and lets the sender go on later", async () => {
    const room = uniqueRoom();
    const client = await app.connect();
    okOf(await join(client, room));
    const before = app.server.deliveryStats.rateLimited;

    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => send(client, room, `burst ${i}`)));
    const refused = acks.filter((ack) => !ack.ok);
    const accepted = acks.length - refused.length;
    // The burst of 20, plus whatever refilled (10 a second) while a busy machine handled the 30.
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(22);
    for (const ack of refused) {
      expect(ack).toEqual({ ok: false, error: { code: "rate_limited", message: expect.stringMatching(/10 a second/) } });
    }
    expect(app.server.deliveryStats.rateLimited - before).toBe(refused.length);
    expect(await rateLimitedMetric()).toBe(app.server.deliveryStats.rateLimited);

    expect(client.connected).toBe(true);
    // Tokens come back at 10 a second: one is there again within about 100 ms.
    let later = await send(client, room, "after a pause");
    for (let tries = 0; !later.ok && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      later = await send(client, room, "after a pause");
    }
    expect(okOf(later).message.seq).toBe(accepted + 1);
  });
});

describe("a flood from one socket", () => {
  it("is throttled while clients in other rooms get every message", async () => {
    const figures = await measureFlood(app, { rooms: 8, seconds: 3, perSecond: 5 });
    const { flood } = figures;
    expect(flood.accepted + flood.refused).toBe(flood.sent);
    // The burst, plus 10 a second over the whole span, plus one token of rounding.
    expect(flood.accepted).toBeLessThanOrEqual(20 + Math.ceil(10 * flood.spanSeconds) + 1);
    expect(flood.refused).toBeGreaterThan(flood.sent / 2);
    expect(flood.stored).toBe(flood.accepted);
    expect(flood.stillConnected).toBe(true);
    expect(figures.allDelivered).toBe(true);
    // Timing is a figure, not an assertion (a shared machine is noisy): bench/delivery-flood.ts measures it at length.
    console.log(`[flood] ${describeFlood(figures, 5, 8)}`);
  });
});
