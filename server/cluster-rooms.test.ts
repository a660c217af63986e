// One cluster, one truth: GET /api/rooms on any node lists the public rooms live on
// every node, with member counts of the whole cluster, and /api/health says whether
// the node reaches its PostgreSQL and Redis. Two real nodes on a PostgreSQL and a
// redis-server started here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomSummary } from "../lib/protocol";
import { startNodesOnFreshPostgres, type NodesOnPostgres } from "./testing/fresh-postgres";
import { startNode, type StartedNode } from "./testing/node";
import { joinRoom } from "./testing/socket-calls";
import { connectSocket, TEST_ENV, type TestClient } from "./testing/test-server";

const EVENTUALLY = { timeout: 10_000 };

let cluster: NodesOnPostgres<StartedNode>;
let nodeA: StartedNode;
let nodeB: StartedNode;
const clients: TestClient[] = [];
let rooms = 0;
const uniqueRoom = () => `everywhere-${++rooms}-${Date.now()}`;

beforeAll(async () => {
  cluster = await startNodesOnFreshPostgres((shared, index) => startNode({ ...TEST_ENV, ...shared, NODE_NAME: `node-${"ab"[index]}` }));
  [nodeA, nodeB] = cluster.nodes as [StartedNode, StartedNode];
}, 90_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await cluster?.stop();
});

async function joinOn(node: StartedNode, name: string, room: string): Promise<TestClient> {
  const client = await connectSocket(node.url, { name, opened: (opened) => clients.push(opened) });
  await joinRoom(client, room);
  return client;
}

async function listedBy(node: StartedNode, room: string): Promise<RoomSummary | undefined> {
  const { rooms } = (await (await fetch(`${node.url}/api/rooms`)).json()) as { rooms: RoomSummary[] };
  return rooms.find((listed) => listed.name === room);
}

async function health(node: StartedNode): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${node.url}/api/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("GET /api/rooms on a cluster", () => {
  it("lists a room live only on another node, with everyone in it counted", async () => {
    const room = uniqueRoom();
    const ana = await joinOn(nodeB, "ana", room);
    await joinOn(nodeB, "ben", room);
    await ana.timeout(5000).emitWithAck("message:send", { room, content: "only on node b" });

    await expect.poll(() => listedBy(nodeA, room), EVENTUALLY).toMatchObject({ name: room, members: 2, messages: 1 });
    expect(Date.parse((await listedBy(nodeA, room))!.lastActivity!)).not.toBeNaN();
  });

  it("lists a room live on both nodes once, counting the people of both", async () => {
    const room = uniqueRoom();
    await joinOn(nodeA, "cyd", room);
    await joinOn(nodeB, "dia", room);
    await joinOn(nodeB, "eda", room);

    for (const node of [nodeA, nodeB]) {
      await expect.poll(() => listedBy(node, room), EVENTUALLY).toMatchObject({ name: room, members: 3 });
      const { rooms } = (await (await fetch(`${node.url}/api/rooms`)).json()) as { rooms: RoomSummary[] };
      expect(rooms.filter((listed) => listed.name === room)).toHaveLength(1);
    }
  });

  it("counts a person who left no longer, on any node", async () => {
    const room = uniqueRoom();
    const fay = await joinOn(nodeB, "fay", room);
    await expect.poll(() => listedBy(nodeA, room), EVENTUALLY).toMatchObject({ members: 1 });
    await fay.timeout(5000).emitWithAck("room:leave", { room });
    await expect.poll(async () => (await listedBy(nodeA, room))?.members ?? 0, EVENTUALLY).toBe(0);
  });
});

describe("GET /api/health on a cluster", () => {
  it("says the node reaches PostgreSQL and Redis", async () => {
    expect(await health(nodeA)).toMatchObject({ status: 200, body: { status: "ok", node: "node-a", postgres: "reachable", redis: "reachable" } });
  });

  // Last in this file: it stops the servers.
  it("says which of Redis and PostgreSQL the node cannot reach, and still answers 200", async () => {
    await cluster.redis.stop();
    await expect.poll(async () => (await health(nodeA)).body.redis, EVENTUALLY).toBe("unreachable");
    expect(await health(nodeA)).toMatchObject({ status: 200, body: { status: "ok", postgres: "reachable" } });

    await cluster.postgres.stop();
    await expect.poll(async () => (await health(nodeA)).body.postgres, EVENTUALLY).toBe("unreachable");
    expect((await health(nodeA)).status).toBe(200);
  });
});
