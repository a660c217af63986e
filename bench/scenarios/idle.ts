// Scenario 1: idle connections: heap and RSS per socket after GC.
import { registerUser } from "../accounts";
import { connectMany, sourceAddress } from "../client";
import { closeAll, joinAll } from "../fanout";
import { ratio, type Row } from "../report";
import { KINDS, type Context, type Scenario } from "../scenario";
import { eachServer } from "../spawn";

const MEMBERS_PER_ROOM = 10;

export const idle: Scenario = {
  name: "idle",
  title: "1. Idle connections: heap and RSS per socket after GC",
  async run(context: Context): Promise<Row[]> {
    const sockets = context.quick ? 500 : 10_000;
    const perSocket: Record<string, { heap: number; rss: number }> = {};
    await eachServer(KINDS, { env: context.livechatEnv }, async (kind, server) => {
      const cookie = kind === "livechat" ? await registerUser(server.url, `idle${process.pid}`) : undefined;
      const before = await server.memory();
      const clients = await connectMany(sockets, (index) => ({
        url: server.url,
        localAddress: sourceAddress(index),
        ...(cookie ? { cookie } : {}),
      }));
      await joinAll(clients, (index) => `idle-${Math.floor(index / MEMBERS_PER_ROOM)}`);
      const after = await server.memory();
      perSocket[kind] = { heap: (after.heapUsed - before.heapUsed) / sockets / 1024, rss: (after.rss - before.rss) / sockets / 1024 };
      context.detail(kind, { sockets, before, after, perSocketKB: perSocket[kind] });
      context.log(`${kind}: ${sockets} sockets in ${sockets / MEMBERS_PER_ROOM} rooms: heap ${perSocket[kind].heap.toFixed(1)} KB, RSS ${perSocket[kind].rss.toFixed(1)} KB per socket`);
      closeAll(clients);
    });
    const [ws, sio, lc] = [perSocket["b-ws"]!, perSocket["b-sio"]!, perSocket.livechat!];
    return [
      {
        scenario: "1 idle",
        figure: `heap per socket (${sockets} authenticated)`,
        unit: "KB",
        bws: ws.heap,
        bsio: sio.heap,
        livechat: lc.heap,
        ratio: ratio(lc.heap, sio.heap),
        target: "<= 1.3x B-sio",
        pass: lc.heap <= 1.3 * sio.heap,
      },
      {
        scenario: "1 idle",
        figure: `RSS per socket (${sockets} authenticated)`,
        unit: "KB",
        bws: ws.rss,
        bsio: sio.rss,
        livechat: lc.rss,
        ratio: ratio(lc.rss, sio.rss),
        target: "< 20 KB",
        pass: lc.rss < 20,
      },
    ];
  },
};
