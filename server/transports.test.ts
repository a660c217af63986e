// Both Socket.IO transports against a real server: the room page connects WebSocket
// first and falls back to long-polling, and other clients start on long-polling.
import { io as connectClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, JoinReply, RoomMessagesPush, SendReply } from "../lib/protocol";
import { startTestServer, type TestClient, type TestServer } from "./testing/test-server";

let app: TestServer;
const opened: TestClient[] = [];

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  for (const client of opened) client.disconnect();
  await app.close();
});

function connect(transports: Array<"polling" | "websocket">, name: string): Promise<TestClient> {
  const client: TestClient = connectClient(app.url, { transports, reconnection: false, forceNew: true, auth: { name } });
  opened.push(client);
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("connect_error", reject);
  });
}

describe("transports", () => {
  it("lets a client that starts on long-polling upgrade to WebSocket and keep chatting as who it said it was", async () => {
    const room = `transports-${Date.now()}`;
    const client = await connect(["polling", "websocket"], "polly");
    await new Promise<void>((resolve) => {
      if (client.io.engine.transport.name === "websocket") resolve();
      else client.io.engine.once("upgrade", () => resolve());
    });
    const joined = (await client.timeout(5000).emitWithAck("room:join", { room })) as Ack<JoinReply>;
    expect(joined).toMatchObject({ ok: true, you: { username: "polly", guest: true } });
    const pushed = new Promise<RoomMessagesPush>((resolve) => client.once("room:messages", resolve));
    const sent = (await client.timeout(5000).emitWithAck("message:send", { room, content: "after the upgrade" })) as Ack<SendReply>;
    expect(sent).toMatchObject({ ok: true, message: { username: "polly", content: "after the upgrade" } });
    expect((await pushed).messages.map((message) => message.content)).toEqual(["after the upgrade"]);
  });

  it("serves a client that stays on long-polling", async () => {
    const room = `transports-polling-${Date.now()}`;
    const client = await connect(["polling"], "pat");
    const joined = (await client.timeout(5000).emitWithAck("room:join", { room })) as Ack<JoinReply>;
    expect(joined).toMatchObject({ ok: true, you: { username: "pat", guest: true } });
    const sent = (await client.timeout(5000).emitWithAck("message:send", { room, content: "polled" })) as Ack<SendReply>;
    expect(sent.ok).toBe(true);
  });
});
