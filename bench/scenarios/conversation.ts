// Scenario 11 (issue 11's performance item): one room at a fixed event rate where 10%
// of the events are reactions and edits (half each) and the window the pushes carry is
// full of replies and reactions, beside B-sio given the same events as plain messages
// (it has no reactions or edits; an event is one push to every member either way).
// Inside Livechat, the same plain traffic over a window of replies and reactions
// against a plain window: fan-out p99 and CPU per delivery may grow by 10% at most.
// Runs take turns (B-sio, plain, decorated window, mixed) for `rounds` rounds and each
// figure is the median, so a burst of other work on this machine hits all alike.
import { runConversation, type ConversationOptions, type ConversationResult } from "../conversation-load";
import type { Target } from "../fanout";
import { busiestLoad, ratio, type Row } from "../report";
import type { Context, Scenario } from "../scenario";
import { startHandled, type ServerHandle } from "../spawn";

/** The share of events that change a message rather than send one. */
const CHANGE_SHARE = 0.1;

type Run = "sio" | "plain" | "window" | "mixed";

const RUNS: Record<Run, { kind: "b-sio" | "livechat"; traffic: Pick<ConversationOptions, "changeShare" | "decorated">; label: string }> = {
  sio: { kind: "b-sio", traffic: { changeShare: 0, decorated: false }, label: "B-sio, plain messages" },
  plain: { kind: "livechat", traffic: { changeShare: 0, decorated: false }, label: "Livechat, plain messages, plain window" },
  window: { kind: "livechat", traffic: { changeShare: 0, decorated: true }, label: "Livechat, plain messages, window of replies and reactions" },
  mixed: { kind: "livechat", traffic: { changeShare: CHANGE_SHARE, decorated: true }, label: "Livechat, 10% reactions and edits, window of replies and reactions" },
};

export const conversation: Scenario = {
  name: "conversation",
  title: "11. Conversation: 10% of events are reactions and edits, windows of replies and reactions, beside B-sio",
  async run(context: Context): Promise<Row[]> {
    const sizes = context.quick ? [100] : [100, 1000];
    const deliveriesPerS = context.quick ? 5_000 : 20_000;
    const durationS = context.quick ? 2 : 5;
    const rounds = context.quick ? 1 : 3;
    const starting = (["b-sio", "livechat"] as const).map((kind) => startHandled(kind, { env: context.livechatEnv }));
    const servers = await Promise.all(starting).catch(async (error: unknown) => {
      await Promise.all(starting.map((server) => server.then((handle) => handle.close(), () => undefined)));
      throw error;
    });
    const serverOf = (kind: string): Target => servers.find((server: ServerHandle) => server.kind === kind)!;
    const rows: Row[] = [];
    try {
      for (const members of sizes) {
        const eventsPerS = Math.max(1, deliveriesPerS / members);
        const results: Record<Run, ConversationResult[]> = { sio: [], plain: [], window: [], mixed: [] };
        for (let round = 0; round < rounds; round++) {
          for (const run of Object.keys(RUNS) as Run[]) {
            const { kind, traffic, label } = RUNS[run];
            const result = await runConversation(serverOf(kind), { members, eventsPerS, durationS, ...traffic });
            results[run].push(result);
            context.detail(`${run}.${members}.${round}`, { eventsPerS, ...result });
            context.log(
              `${label}, room of ${members} at ${eventsPerS} events/s: p50 ${result.receive.p50Ms} p99 ${result.receive.p99Ms} ms` +
                (result.changes > 0 ? `, changes (${result.changes}) p50 ${result.changeReceive.p50Ms} p99 ${result.changeReceive.p99Ms} ms` : "") +
                `, ${result.deliveredPct}% delivered, ${result.serverCpuSPerMillion} CPU-s per million deliveries, CPU server ${result.serverCpuPct}% load ${result.loadCpuPct}%` +
                (result.refusedChanges > 0 ? `, ${result.refusedChanges} changes REFUSED` : ""),
            );
          }
        }
        rows.push(...figures(members, eventsPerS, results));
      }
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
    return rows;
  },
};

function figures(members: number, eventsPerS: number, results: Record<Run, ConversationResult[]>): Row[] {
  const at = (run: Run, pick: (result: ConversationResult) => number) => median(results[run].map(pick));
  const p99 = (result: ConversationResult) => result.receive.p99Ms;
  const cpu = (result: ConversationResult) => result.serverCpuSPerMillion;
  const whole = (run: Run) => results[run].every((result) => result.deliveredPct === 100 && result.refusedChanges === 0);
  const delivered = (run: Run) => Math.min(...results[run].map((result) => result.deliveredPct));
  const loadCpuPct = busiestLoad(...Object.values(results).flat());
  const scenario = "11 conversation";
  const room = `room of ${members} at ${Math.round(eventsPerS)} events/s`;
  const mixedP99 = at("mixed", p99);
  const sioP99 = at("sio", p99);
  const changeP99 = at("mixed", (result) => result.changeReceive.p99Ms);
  const windowRatio = (pick: (result: ConversationResult) => number) => ratio(at("window", pick), at("plain", pick));
  return [
    {
      scenario,
      figure: `p99 new message, ${room}, 10% reactions and edits`,
      unit: "ms",
      bsio: sioP99,
      livechat: mixedP99,
      ratio: ratio(mixedP99, sioP99),
      target: "<= 1.3x B-sio",
      pass: (ratio(mixedP99, sioP99) ?? Infinity) <= 1.3 && whole("mixed"),
      loadCpuPct,
      note: `B-sio gets every event as a plain message; delivered (min over rounds) B-sio ${delivered("sio")}%, Livechat ${delivered("mixed")}%`,
    },
    {
      scenario,
      figure: `p99 reaction or edit to each member, ${room}`,
      unit: "ms",
      bsio: sioP99,
      livechat: changeP99,
      ratio: ratio(changeP99, sioP99),
      target: "-",
      loadCpuPct,
      note: "B-sio column: its plain message at the same event rate; Livechat: scheduled change to the room:message push",
    },
    {
      scenario,
      figure: `server CPU per million deliveries, ${room}, 10% reactions and edits`,
      unit: "CPU-s",
      bsio: at("sio", cpu),
      livechat: at("mixed", cpu),
      ratio: ratio(at("mixed", cpu), at("sio", cpu)),
      target: "-",
      loadCpuPct,
      note: "a delivery: a new message or a change reaching one member",
    },
    {
      scenario,
      figure: `p99 with replies and reactions in the window, ${room}`,
      unit: "ms",
      livechat: at("window", p99),
      ratio: windowRatio(p99),
      target: "<= 1.1x plain window",
      pass: (windowRatio(p99) ?? Infinity) <= 1.1 && whole("window") && whole("plain"),
      loadCpuPct,
      note: `ratio against Livechat with a plain window and the same traffic (p99 ${at("plain", p99)} ms)`,
    },
    {
      scenario,
      figure: `server CPU per million deliveries with replies and reactions in the window, ${room}`,
      unit: "CPU-s",
      livechat: at("window", cpu),
      ratio: windowRatio(cpu),
      target: "<= 1.1x plain window",
      pass: (windowRatio(cpu) ?? Infinity) <= 1.1,
      loadCpuPct,
      note: `ratio against Livechat with a plain window and the same traffic (${at("plain", cpu)} CPU-s)`,
    },
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
