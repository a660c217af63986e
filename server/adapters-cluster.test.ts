// SSE streams and gRPC Watch calls on one node see what another node's clients do,
// when two nodes share PostgreSQL and Redis: messages stored through either node, and a deletion.
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RoomMessagesPush } from "../lib/protocol";
import { connectGrpc, openSse, watchedContents, type GrpcTestClient } from "./testing/test-clients";
import { ADMIN_TOKEN, startTestCluster, type TestServer } from "./testing/test-server";

let cluster: TestServer;
let grpcB: GrpcTestClient;
const WAIT = { timeout: 5000, interval: 20 };

beforeAll(async () => {
  cluster = await startTestCluster();
  grpcB = connectGrpc(`127.0.0.1:${cluster.nodes[1]!.server.grpc!.port}`);
});
afterAll(async () => {
  grpcB.close();
  await cluster.close();
});

describe("watchers on one node of two", () => {
  it("see messages sent through the other node, then its deletion of the room", async () => {
    const [a, b] = cluster.nodes as [TestServer["nodes"][0], TestServer["nodes"][0]];
    const room = `cluster-watch-${Date.now()}`;
    const sse = await openSse(`${b.url}/api/rooms/${room}/stream`);
    const watch = grpcB.watch(room);
    await vi.waitFor(() => expect(watch.events).toHaveLength(1), WAIT);

    for (const content of ["first, through A", "second, through A"]) {
      const posted = await fetch(`${a.url}/api/rooms/${room}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ content }),
      });
      expect(posted.status).toBe(201);
    }
    const expected = ["first, through A", "second, through A"];
    await vi.waitFor(() => expect((sse.latest() as RoomMessagesPush | undefined)?.messages.map((m) => m.content)).toEqual(expected), WAIT);
    await vi.waitFor(() => expect(watchedContents(watch)).toEqual(expected), WAIT);

    const deleted = await fetch(`${a.url}/api/rooms/${room}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(deleted.status).toBe(204);
    await sse.ended;
    expect(sse.events.at(-1)).toEqual({ event: "deleted", data: { room } });
    expect((await watch.ended).code).toBe(status.OK);
    expect(watch.latest()).toMatchObject({ event: "deleted", deleted: { room } });
    expect(b.server.registry.watcherCount(room)).toBe(0);
  });
});
