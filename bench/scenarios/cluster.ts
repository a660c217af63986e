// Scenario 8: scenario 2 across two nodes on PostgreSQL with a redis-server between
// them: what the Redis adapter adds to p99 and to CPU against one node with the
// embedded store.
import { runFanout } from "../fanout";
import { startNodesOnFreshPostgres } from "../../server/testing/fresh-postgres";
import { busiestLoad, ratio, type Row } from "../report";
import type { Context, Scenario } from "../scenario";
import { ServerHandle } from "../spawn";

export const cluster: Scenario = {
  name: "cluster",
  title: "8. Cluster: fan-out across two nodes over Redis",
  async run(context: Context): Promise<Row[]> {
    const members = context.quick ? 200 : 1_000;
    const messagesPerS = 20;
    const figure = `p99 added by two nodes over Redis, room of ${members} at ${messagesPerS} msg/s`;
    const options = { members, messagesPerS, durationS: context.quick ? 1.5 : 4 };
    const single = await ServerHandle.start("livechat", { env: context.livechatEnv });
    let alone;
    try {
      alone = await runFanout(single, options);
    } finally {
      await single.close();
    }
    const pair = await startNodesOnFreshPostgres((sharedEnv, i) =>
      ServerHandle.start("livechat", { env: { ...context.livechatEnv, DATA_DIR: "", ...sharedEnv, NODE_NAME: `bench-${"ab"[i]}` } }),
    );
    try {
      const [nodeA, nodeB] = pair.nodes as [ServerHandle, ServerHandle];
      const two = await runFanout(nodeA, { ...options, extraServers: [nodeB] });
      context.log(`one node: p99 ${alone.receive.p99Ms} ms, CPU ${alone.serverCpuMs} ms; two nodes over Redis: p99 ${two.receive.p99Ms} ms, CPU ${two.serverCpuMs} ms, ${two.deliveredPct}% delivered`);
      context.detail("livechat", { alone, two });
      const added = Math.round((two.receive.p99Ms - alone.receive.p99Ms) * 100) / 100;
      return [
        {
          scenario: "8 cluster",
          figure,
          unit: "ms",
          bsio: alone.receive.p99Ms,
          livechat: two.receive.p99Ms,
          ratio: ratio(two.receive.p99Ms, alone.receive.p99Ms),
          target: "< 3 ms added",
          pass: added < 3 && two.deliveredPct === 100,
          loadCpuPct: busiestLoad(alone, two),
          note: `B-sio column: one Livechat node (embedded store); added ${added} ms; CPU ${alone.serverCpuMs} ms on one node, ${two.serverCpuMs} ms on two; both nodes share core 0`,
        },
      ];
    } finally {
      await pair.stop();
    }
  },
};
