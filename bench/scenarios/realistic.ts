// Scenario 4: realistic chat: users in rooms of 5, each sending 0.2 messages/s,
// persistence and acks on: send-to-ack and send-to-receive p99.
import { registerUser } from "../accounts";
import { connectMany, sourceAddress } from "../client";
import { closeAll, joinAll } from "../fanout";
import { DeliveryTracker, runSchedule, waitUntil } from "../load";
import { ratio, type Row } from "../report";
import { KINDS, type Context, type Scenario } from "../scenario";
import { eachServer } from "../spawn";

const ROOM_SIZE = 5;
const PER_USER_PER_S = 0.2;

export const realistic: Scenario = {
  name: "realistic",
  title: "4. Realistic chat: users in rooms of 5 at 0.2 msg/s each, send-to-ack and send-to-receive",
  async run(context: Context): Promise<Row[]> {
    const users = context.quick ? 500 : 5_000;
    const durationS = context.quick ? 2 : 6;
    const figures: Record<string, { ack: number; receive: number; delivered: number }> = {};
    // Real people, each within the default per-connection send limit: it stays on here.
    const env = Object.fromEntries(Object.entries(context.livechatEnv).filter(([name]) => name !== "MESSAGE_RATE"));
    await eachServer(KINDS, { env }, async (kind, server) => {
      const tracker = new DeliveryTracker();
      const cookie = kind === "livechat" ? await registerUser(server.url, `real${process.pid}`) : undefined;
      const clients = await connectMany(users, (index) => ({
        url: server.url,
        localAddress: sourceAddress(index),
        onPush: tracker.onPush,
        ...(cookie ? { cookie } : {}),
      }));
      const roomOf = (index: number) => `chat-${Math.floor(index / ROOM_SIZE)}`;
      await joinAll(clients, roomOf);
      server.startCpu();
      const total = Math.round(users * PER_USER_PER_S * durationS);
      // User i sends message i, i + users, ...: each user every 1 / 0.2 s.
      await runSchedule(users * PER_USER_PER_S, total, (index, scheduledMs) => {
        const user = index % users;
        void tracker.send(clients[user]!, roomOf(user), scheduledMs, true);
      });
      await waitUntil(() => tracker.delivered >= total * ROOM_SIZE, 3_000);
      const cpuMs = await server.stopCpu();
      const { ack, receive, delivered } = tracker.summary();
      figures[kind] = { ack: ack.p99Ms, receive: receive.p99Ms, delivered: Math.round((delivered / (total * ROOM_SIZE)) * 10_000) / 100 };
      context.detail(kind, { users, messages: total, ack, receive, deliveredPct: figures[kind].delivered, serverCpuMs: cpuMs });
      context.log(`${kind}: ${users} users, ${total} messages: ack p99 ${ack.p99Ms} ms, receive p50 ${receive.p50Ms} p99 ${receive.p99Ms} ms, ${figures[kind].delivered}% delivered, server CPU ${Math.round(cpuMs)} ms`);
      closeAll(clients);
    });
    const [ws, sio, lc] = [figures["b-ws"]!, figures["b-sio"]!, figures.livechat!];
    return [
      { scenario: "4 realistic", figure: `send-to-ack p99 (${users} users)`, unit: "ms", bws: ws.ack, bsio: sio.ack, livechat: lc.ack, ratio: ratio(lc.ack, sio.ack), target: "< 50 ms", pass: lc.ack < 50 },
      {
        scenario: "4 realistic",
        figure: `send-to-receive p99 (${users} users)`,
        unit: "ms",
        bws: ws.receive,
        bsio: sio.receive,
        livechat: lc.receive,
        ratio: ratio(lc.receive, sio.receive),
        target: "< 50 ms",
        pass: lc.receive < 50 && lc.delivered === 100,
        note: `delivered: B-ws ${ws.delivered}%, B-sio ${sio.delivered}%, Livechat ${lc.delivered}%`,
      },
    ];
  },
};
