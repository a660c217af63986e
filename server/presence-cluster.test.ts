// Presence converges across nodes: people connected to one node leave every room,
// as the other node's pages see it, within seconds of their connections closing,
// even when the rooms crash on their node at the same moment. Guards issue 16: after a
// flood, departed guests stayed listed because a failed leave was never retried.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Member } from "../lib/protocol";
import { join, okOf } from "./testing/delivery-test-helpers";
import { ADMIN_TOKEN, connectSocket, startTestCluster, type TestClient, type TestServer } from "./testing/test-server";

let cluster: TestServer;

beforeAll(async () => {
  cluster = await startTestCluster(
    {},
    { departureGraceMs: 200, restartIntensity: { maxRestarts: 1_000, withinMs: 10_000, coolOffMs: 1_000 } },
  );
});
afterAll(async () => {
  await cluster.close();
});

describe("presence across nodes", () => {
  it("drops the people of one node from every room within seconds, though their rooms crash as they go", { timeout: 30_000 }, async () => {
    const [nodeA, nodeB] = cluster.nodes;
    const stamp = Date.now().toString(36);
    const rooms = Array.from({ length: 8 }, (_, i) => `across-${stamp}-${i}`);
    const seen = new Map<string, Member[]>();
    const stayers: TestClient[] = [];
    const leavers: TestClient[] = [];
    for (const room of rooms) {
      const stayer = await connectSocket(nodeB!.url, { name: `stay${rooms.indexOf(room)}` });
      stayer.on("room:presence", (push) => seen.set(push.room, push.members));
      okOf(await join(stayer, room));
      stayers.push(stayer);
      for (let i = 0; i < 3; i++) {
        const leaver = await connectSocket(nodeA!.url, { name: `go${rooms.indexOf(room)}x${i}` });
        okOf(await join(leaver, room));
        leavers.push(leaver);
      }
    }
    await vi.waitFor(() => expect(rooms.map((room) => seen.get(room)?.length)).toEqual(rooms.map(() => 4)), { timeout: 10_000 });

    // Node A's people go while their rooms crash on node A.
    for (const leaver of leavers) leaver.disconnect();
    await Promise.all(
      rooms.map((room) =>
        fetch(`${nodeA!.url}/api/admin/rooms/${room}/crash`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      ),
    );

    await vi.waitFor(
      () => expect(rooms.map((room) => seen.get(room)?.map((member) => member.username))).toEqual(rooms.map((_, i) => [`stay${i}`])),
      { timeout: 8_000, interval: 100 },
    );
    for (const stayer of stayers) stayer.disconnect();
  });
});
