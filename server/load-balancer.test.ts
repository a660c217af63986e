// Livechat behind a real nginx (Debian's package, started here on a free port with
// the configuration `npm run cluster` uses) in front of two real nodes on
// PostgreSQL and Redis, with TRUST_PROXY=true as docs/scaling.md says: two client
// addresses are throttled apart, and a Socket.IO client connected through nginx
// over WebSocket chats with a client of the other node.
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, SendReply } from "../lib/protocol";
import { startNginx, type LocalNginx } from "./nginx";
import { freePort } from "./redis-server";
import { startNodesOnFreshPostgres, type NodesOnPostgres } from "./testing/fresh-postgres";
import { startNode, type StartedNode } from "./testing/node";
import { joinRoom as join } from "./testing/socket-calls";
import { connectSocket, TEST_ENV, type TestClient } from "./testing/test-server";

const NODE_NAMES = ["balanced-1", "balanced-2"];

let cluster: NodesOnPostgres<StartedNode>;
let nginx: LocalNginx;
let nginxDir: string;
const clients: TestClient[] = [];

beforeAll(async () => {
  cluster = await startNodesOnFreshPostgres((shared, index) =>
    startNode({ ...TEST_ENV, ...shared, NODE_NAME: NODE_NAMES[index]!, TRUST_PROXY: "true" }),
  );
  nginxDir = mkdtempSync(path.join(tmpdir(), "livechat-nginx-test-"));
  nginx = await startNginx({ dir: nginxDir, port: await freePort(), upstreams: cluster.nodes.map((node) => `127.0.0.1:${node.port}`) });
}, 90_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await nginx?.stop();
  if (nginxDir) rmSync(nginxDir, { recursive: true, force: true });
  await cluster?.stop();
});

/**
 * A registration through nginx from the client address `from`: the test's socket is bound
 * to it (all of 127.0.0.0/8 is this machine), so nginx sees it as $remote_addr and appends
 * it to X-Forwarded-For.
 */
function register(username: string, from: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${nginx.url}/api/auth/register`,
      { method: "POST", localAddress: from, headers: { "content-type": "application/json" } },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode!));
      },
    );
    req.once("error", reject);
    req.end(JSON.stringify({ username, password: "correct horse battery" }));
  });
}

function connect(url: string, name: string): Promise<TestClient> {
  return connectSocket(url, { name, opened: (client) => clients.push(client) });
}

/** Resolves with the first room:messages push that holds `content`. */
function received(client: TestClient, content: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = ({ messages }: { messages: { content: string }[] }) => {
      if (!messages.some((message) => message.content === content)) return;
      client.off("room:messages", listener);
      resolve();
    };
    client.on("room:messages", listener);
  });
}

describe("behind nginx", () => {
  it("counts the registration limit per client address, not once for everyone behind the balancer", async () => {
    // However the nodes count (each its own, or the cluster once), one address meets the limit…
    const statuses: number[] = [];
    for (let i = 0; i < 30 && !statuses.includes(429); i++) statuses.push(await register(`lb_first_${i}`, "127.0.0.1"));
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(10);
    // …and a person at another address still registers, through the same nginx, at once.
    expect(await register("lb_second", "127.0.0.2")).toBe(201);
  });

  it("carries a Socket.IO client over WebSocket to a node, where it chats with a client of the other node", async () => {
    const room = `balanced-${Date.now()}`;
    const viaNginx = await connect(nginx.url, "ana");
    const { node } = await join(viaNginx, room);
    expect(NODE_NAMES).toContain(node);
    const other = cluster.nodes[NODE_NAMES.indexOf(node) === 0 ? 1 : 0]!;
    const direct = await connect(other.url, "ben");
    expect((await join(direct, room)).node).not.toBe(node);

    const heardByBen = received(direct, "hello through nginx");
    const sent = (await viaNginx.timeout(5000).emitWithAck("message:send", { room, content: "hello through nginx" })) as Ack<SendReply>;
    expect(sent.ok).toBe(true);
    await heardByBen;

    const heardByAna = received(viaNginx, "hi from the other node");
    await direct.timeout(5000).emitWithAck("message:send", { room, content: "hi from the other node" });
    await heardByAna;
  });
});
