// Scenario 2: one room of 10 to 5,000 members at a fixed deliveries/s. The three
// servers run side by side (idle ones cost nothing) so the three measurements of
// one room size are taken close together on this noisy machine.
import { runFanout, type FanoutResult } from "../fanout";
import { busiestLoad, ratio, type Row } from "../report";
import { KINDS, type Context, type Scenario } from "../scenario";
import { startHandled } from "../spawn";

export const fanout: Scenario = {
  name: "fanout",
  title: "2. Fan-out: one room at a fixed deliveries/s, p99 per receiver",
  async run(context: Context): Promise<Row[]> {
    const sizes = context.quick ? [10, 100, 500] : [10, 100, 1000, 5000];
    const deliveriesPerS = context.quick ? 5_000 : 20_000;
    const durationS = context.quick ? 1 : 3;
    const starting = KINDS.map((kind) => startHandled(kind, { env: context.livechatEnv }));
    const servers = await Promise.all(starting).catch(async (error: unknown) => {
      await Promise.all(starting.map((server) => server.then((handle) => handle.close(), () => undefined)));
      throw error;
    });
    const rows: Row[] = [];
    try {
      for (const members of sizes) {
        const messagesPerS = Math.max(1, deliveriesPerS / members);
        const results: Record<string, FanoutResult> = {};
        for (const server of servers) {
          const result = await runFanout(server, { members, messagesPerS, durationS });
          results[server.kind] = result;
          context.detail(`${server.kind}.${members}`, { messagesPerS, ...result });
          context.log(
            `${server.kind} room of ${members} at ${messagesPerS} msg/s: p50 ${result.receive.p50Ms} p99 ${result.receive.p99Ms} max ${result.receive.maxMs} ms, ` +
              `${result.deliveredPct}% delivered${result.closedByServer ? ` (${result.closedByServer} receivers closed by the server)` : ""}, CPU server ${result.serverCpuPct}% load ${result.loadCpuPct}%`,
          );
        }
        const [ws, sio, lc] = [results["b-ws"]!, results["b-sio"]!, results.livechat!];
        const p99Ratio = ratio(lc.receive.p99Ms, sio.receive.p99Ms);
        const loadCpuPct = busiestLoad(ws, sio, lc);
        const row: Row = {
          scenario: "2 fan-out",
          figure: `p99, room of ${members} at ${Math.round(messagesPerS)} msg/s`,
          unit: "ms",
          bws: ws.receive.p99Ms,
          bsio: sio.receive.p99Ms,
          livechat: lc.receive.p99Ms,
          ratio: p99Ratio,
          target: "<= 1.3x B-sio",
          pass: (p99Ratio ?? Infinity) <= 1.3 && lc.deliveredPct === 100,
          loadCpuPct,
          note:
            `Livechat p50 ${lc.receive.p50Ms} ms, max ${lc.receive.maxMs} ms; delivered B-ws ${ws.deliveredPct}%, B-sio ${sio.deliveredPct}%, Livechat ${lc.deliveredPct}%; ` +
            `CPU (server/load) B-ws ${ws.serverCpuPct}/${ws.loadCpuPct}%, B-sio ${sio.serverCpuPct}/${sio.loadCpuPct}%, Livechat ${lc.serverCpuPct}/${lc.loadCpuPct}%`,
        };
        rows.push(row);
        const cpu = (result: FanoutResult) => result.serverCpuSPerMillion;
        // CPU per delivery holds better than latency when other work steals the cores.
        rows.push({
          scenario: "2 fan-out",
          figure: `server CPU per million deliveries, room of ${members}`,
          unit: "CPU-s",
          bws: cpu(ws),
          bsio: cpu(sio),
          livechat: cpu(lc),
          ratio: ratio(cpu(lc), cpu(sio)),
          target: "-",
          loadCpuPct,
        });
        if (members === 1000 && messagesPerS === 20) {
          rows.push({ ...row, figure: "p99, room of 1000 at 20 msg/s (absolute)", target: "< 50 ms", pass: lc.receive.p99Ms < 50 && lc.deliveredPct === 100, note: undefined });
        }
      }
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
    return rows;
  },
};
