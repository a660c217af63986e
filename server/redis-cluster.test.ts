// Two real nodes (STORE=postgres) with a three-master Redis Cluster between them, started
// here (redis-server in cluster mode on free ports): what flows through Redis works as on
// one Redis server. A message sent on one node reaches a page on the other, presence and
// typing cross nodes, a rate limit is counted once for both, and every node subscribes
// to the feed of its own rooms only.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Member, RoomMessagesPush, RoomTypingPush } from "../lib/protocol";
import { join, okOf, send } from "./testing/delivery-test-helpers";
import { startNodesOnRedisCluster, type NodesOnRedisCluster } from "./testing/fresh-redis-cluster";
import { startNode, type StartedNode } from "./testing/node";
import { connectSocket, TEST_ENV, type TestClient } from "./testing/test-server";

let cluster: NodesOnRedisCluster<StartedNode>;
let nodes: StartedNode[];
const sockets: TestClient[] = [];
const EVENTUALLY = { timeout: 10_000, interval: 50 };

beforeAll(async () => {
  const env = { TRUST_PROXY: "true", MESSAGE_RATE: "1", MESSAGE_BURST: "3" };
  cluster = await startNodesOnRedisCluster((shared, index) => startNode({ ...TEST_ENV, ...shared, ...env, NODE_NAME: `node${index}` }));
  nodes = cluster.nodes;
}, 60_000);
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await cluster?.stop();
});

function connectTo(node: StartedNode, name: string, address = "198.51.100.1"): Promise<TestClient> {
  return connectSocket(node.url, { name, headers: { "x-forwarded-for": address }, opened: (socket) => sockets.push(socket) });
}

describe("two nodes on a three-master Redis Cluster", () => {
  it("takes REDIS_URL as the masters' URLs separated by commas", () => {
    expect(cluster.redisCluster.url.split(",")).toHaveLength(3);
  });

  it("delivers a message sent on one node to a page on the other, and shows each the other's people", async () => {
    const room = `across-cluster-${Date.now()}`;
    const ana = await connectTo(nodes[0]!, "ana");
    const ben = await connectTo(nodes[1]!, "ben");
    const presence: Member[][] = [];
    ana.on("room:presence", (push) => push.room === room && presence.push(push.members));
    const lists: RoomMessagesPush[] = [];
    ana.on("room:messages", (push) => push.room === room && lists.push(push));
    okOf(await join(ana, room));
    okOf(await join(ben, room));
    await vi.waitFor(() => expect(presence.at(-1)?.map((member) => member.username)).toEqual(["ana", "ben"]), EVENTUALLY);

    okOf(await send(ben, room, "hello from node 1"));
    await vi.waitFor(() => expect(lists.at(-1)?.messages.map((message) => message.content)).toEqual(["hello from node 1"]), EVENTUALLY);

    ben.disconnect();
    await vi.waitFor(() => expect(presence.at(-1)?.map((member) => member.username)).toEqual(["ana"]), EVENTUALLY);
  });

  it("shows a page on one node who types on the other, and takes them off when their message arrives", async () => {
    const room = `typing-cluster-${Date.now()}`;
    const cal = await connectTo(nodes[0]!, "cal");
    const dee = await connectTo(nodes[1]!, "dee", "198.51.100.2");
    okOf(await join(cal, room));
    okOf(await join(dee, room));
    const typing: RoomTypingPush[] = [];
    cal.on("room:typing", (push) => push.room === room && typing.push(push));

    expect(await dee.timeout(5_000).emitWithAck("typing", { room })).toEqual({ ok: true });
    await vi.waitFor(() => expect(typing.at(-1)?.users).toEqual(["dee"]), EVENTUALLY);
    okOf(await send(dee, room, "done typing"));
    await vi.waitFor(() => expect(typing.at(-1)?.users).toEqual([]), EVENTUALLY);
  });

  it("counts one address's sends on both nodes together: the burst, then rate_limited on either", async () => {
    const room = `limit-cluster-${Date.now()}`;
    const from = "198.51.100.3";
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${nodes[i % 2]!.url}/api/rooms/${room}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": from },
        body: JSON.stringify({ content: `post ${i}` }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429]);
  });

  it("subscribes only the node that has people in a room to the room's channels", async () => {
    const stamp = Date.now();
    const rooms = [`only-a-${stamp}`, `only-b-${stamp}`];
    const eve = await connectTo(nodes[0]!, "eve", "198.51.100.4");
    const fox = await connectTo(nodes[1]!, "fox", "198.51.100.5");
    okOf(await join(eve, rooms[0]!));
    okOf(await join(fox, rooms[1]!));
    // Every master, asked which sharded channels it holds and how many subscribe to each.
    const subscribers = async (): Promise<Map<string, number>> => {
      const counts = new Map<string, number>();
      for (const master of cluster.redisCluster.masters) {
        const redis = new Redis(master.url);
        const channels = (await redis.call("PUBSUB", "SHARDCHANNELS", "*")) as string[];
        if (channels.length > 0) {
          const reply = (await redis.call("PUBSUB", "SHARDNUMSUB", ...channels)) as (string | number)[];
          for (let i = 0; i < reply.length; i += 2) counts.set(String(reply[i]), Number(reply[i + 1]));
        }
        redis.disconnect();
      }
      return counts;
    };
    await vi.waitFor(async () => {
      const counts = await subscribers();
      for (const room of rooms) {
        // Socket.IO's channel of the room and the typing channel, each with one subscriber.
        const ofRoom = [...counts].filter(([channel]) => channel.includes(room));
        expect(ofRoom.map(([, count]) => count)).toEqual([1, 1]);
      }
    }, EVENTUALLY);
  });
});
