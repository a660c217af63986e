// Limits counted once for the whole cluster: two real nodes (STORE=postgres) sharing a
// real redis-server, a client spreading its attempts over both as a balancer would.
// They must be refused exactly as one node would refuse them; and when Redis goes
// away, each node goes on counting on its own rather than failing or letting all in.
// One cluster for the file, behind a pretend proxy (TRUST_PROXY): each test comes
// from a client address of its own, so their counts never meet.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodesOnFreshPostgres, type NodesOnPostgres } from "./testing/fresh-postgres";
import { join } from "./testing/delivery-test-helpers";
import { startNode, type StartedNode } from "./testing/node";
import { connectSocket, TEST_ENV, type TestClient } from "./testing/test-server";

let cluster: NodesOnPostgres<StartedNode>;
let nodes: StartedNode[];
const sockets: TestClient[] = [];

beforeAll(async () => {
  const env = { TRUST_PROXY: "true", MESSAGE_RATE: "1", MESSAGE_BURST: "3", JOIN_RATE: "1", JOIN_BURST: "4" };
  cluster = await startNodesOnFreshPostgres((shared) => startNode({ ...TEST_ENV, ...shared, ...env }));
  nodes = cluster.nodes;
}, 60_000);
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await cluster?.stop();
});

/** A JSON POST from the client at `address`, as the proxy in front would pass it on. */
const post = (node: StartedNode, address: string, path: string, json: unknown) =>
  fetch(node.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": address },
    body: JSON.stringify(json),
  });

describe("limits across two nodes sharing a Redis", () => {
  it("throttles failed logins spread over both nodes as one node would: the 6th in a minute is refused on either", async () => {
    const from = "203.0.113.1";
    expect((await post(nodes[0]!, from, "/api/auth/register", { username: "gage", password: "correct horse" })).status).toBe(201);

    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await post(nodes[i % 2]!, from, "/api/auth/login", { username: "gage", password: `wrong ${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);

    // The right password changes nothing until the window closes, on the node that saw fewer failures too.
    const refused = await post(nodes[1]!, from, "/api/auth/login", { username: "gage", password: "correct horse" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(await refused.json()).toEqual({
      error: { code: "rate_limited", message: "Too many failed logins; wait a little and try again." },
    });
  });

  it("holds one address's send limit across both nodes: REST posts past the burst are refused, only those accepted are stored", async () => {
    const from = "203.0.113.2";
    const room = `cluster-limit-${Date.now()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(nodes[i % 2]!, from, `/api/rooms/${room}/messages`, { content: `post ${i}` })).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429]);

    const refused = await post(nodes[1]!, from, `/api/rooms/${room}/messages`, { content: "one more" });
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await refused.json()).toEqual({ error: { code: "rate_limited", message: expect.stringMatching(/1 a second \(3 at once\)/) } });
    const history = await (await fetch(`${nodes[1]!.url}/api/rooms/${room}/messages`)).json();
    expect(history.messages.map((message: { content: string }) => message.content)).toEqual(["post 0", "post 1", "post 2"]);
    // Another address posts all the same.
    expect((await post(nodes[0]!, "203.0.113.22", `/api/rooms/${room}/messages`, { content: "someone else" })).status).toBe(201);
  });

  it("counts one address's room joins on both nodes together: the burst, then rate_limited on either", async () => {
    const connected = await Promise.all(
      nodes.map((node, i) =>
        connectSocket(node.url, { name: `joiner${i}`, headers: { "x-forwarded-for": "203.0.113.3" }, opened: (socket) => sockets.push(socket) }),
      ),
    );
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) {
      const ack = await join(connected[i % 2]!, `joined-${i}`);
      answers.push(ack.ok ? "ok" : ack.error.code);
    }
    expect(answers).toEqual(["ok", "ok", "ok", "ok", "rate_limited", "rate_limited"]);
  });

  it("counts registrations from one address on both nodes together: 10 an hour, the 11th refused", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await post(nodes[i % 2]!, "203.0.113.4", "/api/auth/register", { username: `user${i}`, password: "long enough" })).status);
    }
    expect(statuses).toEqual([...Array<number>(10).fill(201), 429]);
  });

  // Last: it stops the cluster's Redis.
  it("goes on throttling on each node by itself while Redis is gone, and logins still work", async () => {
    const from = "203.0.113.5";
    expect((await post(nodes[0]!, from, "/api/auth/register", { username: "kim", password: "correct horse" })).status).toBe(201);
    await cluster.redis.stop();

    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(nodes[0]!, from, "/api/auth/login", { username: "kim", password: `wrong ${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await post(nodes[1]!, from, "/api/auth/login", { username: "kim", password: "correct horse" })).status).toBe(200);
  });
});
