// The full-list push against pushing only the new message: the same room and rate,
// once with the design's full window per push and once with a bench-only variant
// that pushes just the messages the previous push lacked (servers/livechat.ts).
import path from "node:path";
import { runFanout, type FanoutResult } from "../fanout";
import { busiestLoad, ratio, type Row } from "../report";
import type { Context, Scenario } from "../scenario";
import { startHandled } from "../spawn";
import type { PushMode, ServerKind } from "../servers/types";

export const fullList: Scenario = {
  name: "full-list",
  title: "Full-list push against new-message-only push (room of 100)",
  async run(context: Context): Promise<Row[]> {
    const options = { members: 100, messagesPerS: context.quick ? 20 : 50, durationS: context.quick ? 1 : 4 };
    const results: Partial<Record<`${ServerKind}:${PushMode}`, FanoutResult>> = {};
    const variants = (["b-ws", "b-sio", "livechat"] as const).flatMap((kind) => (["full", "new"] as const).map((push) => ({ kind, push })));
    // Two Livechat servers run at once here: each keeps its SQLite store in its own folder.
    const env = (push: PushMode) => ({ ...context.livechatEnv, DATA_DIR: path.join(context.livechatEnv.DATA_DIR ?? "", push) });
    const starting = variants.map(({ kind, push }) => startHandled(kind, { push, env: env(push) }));
    try {
      for (const [index, { kind, push }] of variants.entries()) {
        const server = await starting[index]!;
        const result = await runFanout(server, options);
        await server.close();
        results[`${kind}:${push}`] = result;
        context.detail(`${kind}.${push}`, result);
        context.log(`${kind} ${push}: ${result.avgPushBytes} B per push, p99 ${result.receive.p99Ms} ms, server ${result.serverCpuSPerMillion} CPU-s per million deliveries, CPU server ${result.serverCpuPct}% load ${result.loadCpuPct}%, ${result.deliveredPct}% delivered`);
      }
    } finally {
      await Promise.all(starting.map((server) => server.then((handle) => handle.close(), () => undefined)));
    }
    const row = (push: PushMode, figure: string, unit: string, pick: (r: FanoutResult) => number): Row => {
      const [ws, sio, lc] = (["b-ws", "b-sio", "livechat"] as const).map((kind) => {
        const result = results[`${kind}:${push}`];
        return result && pick(result);
      });
      const loadCpuPct = busiestLoad(...(["b-ws", "b-sio", "livechat"] as const).map((kind) => results[`${kind}:${push}`]));
      return { scenario: `push ${push === "full" ? "full list" : "new only"}`, figure, unit, bws: ws, bsio: sio, livechat: lc, ratio: ratio(lc, sio), target: "-", loadCpuPct };
    };
    const rate = `room of 100 at ${options.messagesPerS} msg/s`;
    const fullCost = results["livechat:full"]?.serverCpuSPerMillion;
    const newCost = results["livechat:new"]?.serverCpuSPerMillion;
    const rows = [
      row("full", `bytes per push, ${rate}`, "B", (r) => r.avgPushBytes),
      row("full", "server CPU per million deliveries", "CPU-s", (r) => r.serverCpuSPerMillion),
      row("full", "p99", "ms", (r) => r.receive.p99Ms),
      row("new", `bytes per push, ${rate}`, "B", (r) => r.avgPushBytes),
      row("new", "server CPU per million deliveries", "CPU-s", (r) => r.serverCpuSPerMillion),
      row("new", "p99", "ms", (r) => r.receive.p99Ms),
    ];
    rows[4]!.note = `Livechat's full list costs ${ratio(fullCost, newCost) ?? "?"}x the server CPU of pushing the new message only`;
    return rows;
  },
};
