// GET /api/metrics as an operator's Prometheus sees it, against a real server and real clients.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Ack, JoinReply, SendReply } from "../lib/protocol";
import { connectGrpc } from "./testing/test-clients";
import { ADMIN_TOKEN, startTestServer, type TestClient, type TestServer } from "./testing/test-server";

let app: TestServer;
let roomCounter = 0;
const uniqueRoom = () => `metrics-test-${++roomCounter}-${Date.now()}`;

beforeAll(async () => {
  app = await startTestServer({ MESSAGE_RATE: "1", MESSAGE_BURST: "3" });
});
afterAll(async () => {
  await app.close();
});

async function scrape(): Promise<string> {
  const response = await app.request("/api/metrics");
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of a series without labels other than the node's, as Prometheus would read it. */
function valueOf(text: string, name: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `));
  if (!line) throw new Error(`no ${name} series in:\n${text}`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

const metric = async (name: string) => valueOf(await scrape(), name);

async function joined(room: string): Promise<TestClient> {
  const client = await app.connect();
  const ack = (await client.timeout(5000).emitWithAck("room:join", { room })) as Ack<JoinReply>;
  expect(ack.ok).toBe(true);
  return client;
}

async function send(client: TestClient, room: string, content: string): Promise<void> {
  const ack = (await client.timeout(5000).emitWithAck("message:send", { room, content })) as Ack<SendReply>;
  expect(ack.ok).toBe(true);
}

describe("GET /api/metrics", () => {
  it("answers in Prometheus text format, with this node's name on the series", async () => {
    const response = await app.request("/api/metrics");
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain("# TYPE livechat_messages_stored_total counter");
    expect(text).toContain('livechat_connections{node="test-node"}');
  });

  it("counts a stored message, its push and its fan-out once each", async () => {
    const room = uniqueRoom();
    const sender = await joined(room);
    const before = await scrape();
    await send(sender, room, "counted");
    // The push goes out on the tick after the ack.
    await vi.waitFor(async () => expect(await metric("livechat_pushes_total")).toBe(valueOf(before, "livechat_pushes_total") + 1));
    const after = await scrape();
    expect(valueOf(after, "livechat_messages_stored_total")).toBe(valueOf(before, "livechat_messages_stored_total") + 1);
    expect(valueOf(after, "livechat_fanout_seconds_count")).toBe(valueOf(before, "livechat_fanout_seconds_count") + 1);
  });

  it("does not count a message sent again with the same clientId", async () => {
    const room = uniqueRoom();
    const sender = await joined(room);
    await sender.timeout(5000).emitWithAck("message:send", { room, content: "once", clientId: "metrics-once" });
    const stored = await metric("livechat_messages_stored_total");
    await sender.timeout(5000).emitWithAck("message:send", { room, content: "once", clientId: "metrics-once" });
    expect(await metric("livechat_messages_stored_total")).toBe(stored);
  });

  it("follows connections and live rooms as clients come and go", async () => {
    const connections = await metric("livechat_connections");
    const rooms = await metric("livechat_live_rooms");
    const client = await joined(uniqueRoom());
    expect(await metric("livechat_connections")).toBe(connections + 1);
    expect(await metric("livechat_live_rooms")).toBe(rooms + 1);
    client.disconnect();
    await vi.waitFor(async () => expect(await metric("livechat_connections")).toBe(connections));
  });

  it("counts a room restarted by its supervisor after an admin crash", async () => {
    const room = uniqueRoom();
    await joined(room);
    const restarts = await metric("livechat_room_restarts_total");
    const crash = await app.request(`/api/admin/rooms/${room}/crash`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(crash.status).toBe(200);
    await vi.waitFor(async () => expect(await metric("livechat_room_restarts_total")).toBe(restarts + 1));
  });

  it("counts messages refused by the rate limit", async () => {
    const room = uniqueRoom();
    const flooder = await joined(room);
    const refusals = await metric("livechat_rate_limited_total");
    // The test server allows a burst of 3: the rest of 6 sent at once are refused.
    const acks = (await Promise.all(
      Array.from({ length: 6 }, (_, i) => flooder.timeout(5000).emitWithAck("message:send", { room, content: `flood ${i}` })),
    )) as Array<Ack<SendReply>>;
    const refused = acks.filter((ack) => !ack.ok).length;
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(await metric("livechat_rate_limited_total")).toBe(refusals + refused);
  });

  it("counts refusals by operation and code over every transport, gRPC's too", async () => {
    const refusals = async (operation: string, code: string) => {
      const line = (await scrape())
        .split("\n")
        .find((l) => l.startsWith("livechat_refusals_total{") && l.includes(`operation="${operation}"`) && l.includes(`code="${code}"`));
      return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
    };
    const grpc = connectGrpc(`127.0.0.1:${app.server.grpc!.port}`);
    try {
      const before = await refusals("send", "unauthorized");
      await grpc.fail("Send", { room: uniqueRoom(), content: "hi" }, { token: "forged" });
      expect(await refusals("send", "unauthorized")).toBe(before + 1);
    } finally {
      grpc.close();
    }
    const client = await app.connect();
    const before = await refusals("join", "invalid_room");
    const ack = (await client.timeout(5000).emitWithAck("room:join", { room: "<b>" })) as Ack<JoinReply>;
    expect(ack.ok).toBe(false);
    expect(await refusals("join", "invalid_room")).toBe(before + 1);
  });

  it("reports the event loop's lag and the process's memory", async () => {
    const text = await scrape();
    expect(valueOf(text, "nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(valueOf(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
  });
});
