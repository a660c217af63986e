// Scenario 5: join ack with a 100-message list unloaded; 200 joins/s with auth;
// every client dropped by a server restart back and rejoined.
import { performance } from "node:perf_hooks";
import { registerUser } from "../accounts";
import { BenchClient, connectMany, sourceAddress, type ClientOptions } from "../client";
import { closeAll, joinAll } from "../fanout";
import { createHistogram, recordMs, summarize } from "../histogram";
import { DeliveryTracker, prefill, runSchedule, waitUntil } from "../load";
import { ratio, type Row } from "../report";
import { KINDS, type Context, type Scenario } from "../scenario";
import { prestart, ServerHandle } from "../spawn";
import type { ServerKind } from "../servers/types";

const RESTART_LIMIT_S = 15;
/** How long the restart waits for the last client; the table shows "-" past it. */
const GIVE_UP_S = 40;

export const join: Scenario = {
  name: "join",
  title: "5. Join and reconnect: join ack with 100 messages, 200 joins/s with auth, restart of a loaded node",
  async run(context: Context): Promise<Row[]> {
    const joins = context.quick ? 30 : 300;
    const burstS = context.quick ? 0.5 : 5;
    const restartClients = context.quick ? 200 : 5_000;
    const figures: Record<string, { joinP99: number; burstP99: number; burstOk: number; backS: number }> = {};
    const pool = prestart(KINDS, { env: context.livechatEnv });
    try {
      for (const kind of KINDS) {
        let server = await pool.take(kind);
        try {
          const cookie = kind === "livechat" ? await registerUser(server.url, `join${process.pid}`) : undefined;
          const options = (index: number): ClientOptions => ({ url: server.url, localAddress: sourceAddress(index), ...(cookie ? { cookie } : {}) });

          // Unloaded join of a room holding a full window.
          const writer = await BenchClient.connect(options(0));
          const tracker = new DeliveryTracker();
          await writer.join("join-full");
          await prefill(tracker, writer, "join-full", 100);
          const joiner = await BenchClient.connect(options(1));
          const joinTimes = createHistogram();
          for (let i = 0; i < joins; i++) {
            const began = performance.now();
            const reply = await joiner.emit("room:join", { room: "join-full" });
            recordMs(joinTimes, performance.now() - began);
            if (!reply.ok || (reply.messages as unknown[]).length !== 100) throw new Error(`join answered ${JSON.stringify(reply).slice(0, 200)}`);
            await joiner.emit("room:leave", { room: "join-full" });
          }
          writer.close();
          joiner.close();

          // New authenticated connections joining at 200/s, open loop.
          const burst = createHistogram();
          const opened: BenchClient[] = [];
          let ok = 0;
          const pending: Promise<void>[] = [];
          await runSchedule(200, 200 * burstS, (index, scheduledMs) => {
            pending.push(
              BenchClient.connect(options(index + 2))
                .then(async (client) => {
                  opened.push(client);
                  await client.join(`burst-${index % 40}`);
                  recordMs(burst, performance.now() - scheduledMs);
                  ok++;
                })
                .catch(() => undefined),
            );
          });
          await Promise.all(pending);
          closeAll(opened);

          // A restart drops every client; they reconnect with socket.io-client's backoff.
          const back = await restartAndCount(kind, server, context, restartClients, options, (next) => (server = next));
          const joinSummary = summarize(joinTimes);
          const burstSummary = summarize(burst);
          figures[kind] = { joinP99: joinSummary.p99Ms, burstP99: burstSummary.p99Ms, burstOk: Math.round((ok / (200 * burstS)) * 1000) / 10, backS: back };
          context.detail(kind, { join: joinSummary, burst: burstSummary, burstOkPct: figures[kind].burstOk, restartClients, backS: back });
          context.log(`${kind}: join ack p99 ${joinSummary.p99Ms} ms; 200 joins/s p99 ${burstSummary.p99Ms} ms (${figures[kind].burstOk}% ok); ${restartClients} clients back after restart in ${back.toFixed(1)} s`);
        } finally {
          await server.close();
        }
      }
    } finally {
      await pool.closeAll();
    }
    const [ws, sio, lc] = [figures["b-ws"]!, figures["b-sio"]!, figures.livechat!];
    return [
      { scenario: "5 join", figure: "join ack p99, 100-message list, unloaded", unit: "ms", bws: ws.joinP99, bsio: sio.joinP99, livechat: lc.joinP99, ratio: ratio(lc.joinP99, sio.joinP99), target: "< 20 ms", pass: lc.joinP99 < 20 },
      {
        scenario: "5 join",
        figure: "connect+join p99 at 200 joins/s, with auth",
        unit: "ms",
        bws: ws.burstP99,
        bsio: sio.burstP99,
        livechat: lc.burstP99,
        ratio: ratio(lc.burstP99, sio.burstP99),
        target: "all joined",
        pass: lc.burstOk === 100,
        note: `joined: B-ws ${ws.burstOk}%, B-sio ${sio.burstOk}%, Livechat ${lc.burstOk}%`,
      },
      {
        scenario: "5 join",
        figure: `all ${restartClients} clients back after a restart`,
        unit: "s",
        bws: ws.backS,
        bsio: sio.backS,
        livechat: lc.backS,
        ratio: ratio(lc.backS, sio.backS),
        target: `< ${RESTART_LIMIT_S} s`,
        pass: lc.backS < RESTART_LIMIT_S,
      },
    ];
  },
};

/** socket.io-client's defaults: 1 s doubling to 5 s, randomised by half. */
function backoffMs(attempt: number): number {
  const base = Math.min(1000 * 2 ** attempt, 5000);
  return base * (0.5 + Math.random());
}

async function restartAndCount(
  kind: ServerKind,
  server: ServerHandle,
  context: Context,
  count: number,
  options: (index: number) => ClientOptions,
  replaced: (server: ServerHandle) => void,
): Promise<number> {
  let rejoined = 0;
  let stopping = false;
  const live: BenchClient[] = [];
  const room = (index: number) => `restart-${Math.floor(index / 5)}`;
  const reconnect = (index: number, attempt: number) => {
    if (stopping) return;
    setTimeout(() => {
      BenchClient.connect({ ...options(index), onClose: () => reconnect(index, 0) })
        .then(async (client) => {
          live.push(client);
          await client.join(room(index));
          rejoined++;
        })
        .catch(() => reconnect(index, attempt + 1));
    }, backoffMs(attempt));
  };
  const clients = await connectMany(count, (index) => ({ ...options(index), onClose: () => reconnect(index, 0) }));
  await joinAll(clients, room);
  const killedAt = performance.now();
  await server.kill();
  const next = await ServerHandle.start(kind, { port: server.port, env: context.livechatEnv });
  replaced(next);
  context.log(`${kind}: the new process listens ${((performance.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
  const allBack = await waitUntil(() => rejoined >= count, GIVE_UP_S * 1000);
  const seconds = (performance.now() - killedAt) / 1000;
  stopping = true;
  closeAll(clients);
  closeAll(live);
  if (!allBack) context.log(`${kind}: only ${rejoined} of ${count} clients back after ${GIVE_UP_S} s`);
  return allBack ? seconds : Infinity;
}
