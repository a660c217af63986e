// Sends without a connection of their own (REST posts, gRPC Send) are limited per
// client address at MESSAGE_RATE/MESSAGE_BURST, like a socket's sends. One
// allowance per address across both, so each test gets a server of its own.
import { status } from "@grpc/grpc-js";
import { afterEach, beforeEach, expect, it } from "vitest";
import { connectGrpc, type GrpcTestClient } from "./testing/test-clients";
import { startTestServer, type TestServer } from "./testing/test-server";

let app: TestServer;
let grpc: GrpcTestClient;

beforeEach(async () => {
  app = await startTestServer({ MESSAGE_RATE: "1", MESSAGE_BURST: "3" });
  grpc = connectGrpc(`127.0.0.1:${app.server.grpc!.port}`);
});
afterEach(async () => {
  grpc.close();
  await app.close();
});

const post = (room: string, content: string) =>
  app.request(`/api/rooms/${room}/messages`, { method: "POST", json: { content } });

it("answers REST posts past the burst with 429 rate_limited and a Retry-After, storing only those it accepted", async () => {
  const room = `rest-limit-${Date.now()}`;
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await post(room, `post ${i}`)).status);
  expect(statuses).toEqual([201, 201, 201, 429, 429]);

  const refused = await post(room, "one more");
  expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
  expect(await refused.json()).toEqual({ error: { code: "rate_limited", message: expect.stringMatching(/1 a second/) } });
  const history = await (await app.request(`/api/rooms/${room}/messages`)).json();
  expect(history.messages.map((message: { content: string }) => message.content)).toEqual(["post 0", "post 1", "post 2"]);
});

it("answers gRPC Sends past the burst with RESOURCE_EXHAUSTED and the rate_limited code", async () => {
  const room = `grpc-limit-${Date.now()}`;
  for (let i = 0; i < 3; i++) await grpc.call("Send", { room, content: `send ${i}` });
  expect(await grpc.fail("Send", { room, content: "one too many" })).toEqual({
    code: status.RESOURCE_EXHAUSTED,
    errorCode: "rate_limited",
  });
});
