// Awareness (issue 12, item 3): what watching rooms costs the server. 1,000
// connections each show one room (joined: a full list per message) and watch 20
// others (rooms:watch: a small room:activity per message), with 1 message a second
// in every room; against the same people joined to their one room only. Figures:
// the server's CPU and the bytes it sends each connection. Goal: at most 1.3x the
// CPU and 1.5x the bytes. B-sio, which has no watching, runs the one-room case as
// the usual reference.
import { performance } from "node:perf_hooks";
import { connectMany, sourceAddress, type BenchClient } from "../client";
import { closeAll, joinAll, type Target } from "../fanout";
import { benchContent, runSchedule } from "../load";
import { busiestLoad, ratio, type Row } from "../report";
import type { Context, Scenario } from "../scenario";
import { startHandled } from "../spawn";

/** Rooms each connection watches besides the one it shows. */
const WATCHED = 20;
/** People showing each room: 1,000 connections over 50 rooms, so each room is watched by 400. */
const PEOPLE_PER_ROOM = 20;
/** Messages stored in each room first, so every list push carries a full window, as in a room with history. */
const PREFILL = 50;
const WARMUP_S = 2;
const DRAIN_MS = 1_000;

export interface AwarenessOptions {
  connections: number;
  /** Each connection watches WATCHED rooms besides the one it shows; else it only shows one. */
  watching: boolean;
  durationS: number;
  prefill?: number;
  warmupS?: number;
}

export interface Measured {
  serverCpuPct: number;
  /** Bytes of every frame the server sent one connection, per second. */
  bytesPerConnectionS: number;
  framesPerConnectionS: number;
  loadCpuPct: number;
}

let runs = 0;

export async function measureAwareness(server: Target, options: AwarenessOptions): Promise<Measured> {
  const { connections, watching, durationS } = options;
  const rooms = Math.max(WATCHED + 1, Math.round(connections / PEOPLE_PER_ROOM));
  const prefix = `aware-${process.pid}-${++runs}`;
  const roomOf = (index: number) => `${prefix}-${index % rooms}`;
  let counting = false;
  let bytes = 0;
  let frames = 0;
  const clients = await connectMany(connections, (index) => ({
    url: server.url,
    localAddress: sourceAddress(index),
    onFrame: (_client: BenchClient, size: number) => {
      if (!counting) return;
      bytes += size;
      frames++;
    },
  }));
  try {
    await joinAll(clients, roomOf);
    // Client i shows room i % rooms: the first `rooms` clients send, one to each room.
    const senders = clients.slice(0, rooms);
    await Promise.all(
      senders.map(async (sender, room) => {
        for (let i = 0; i < (options.prefill ?? PREFILL); i++) await sender.emit("message:send", { room: roomOf(room), content: benchContent(0, false) });
      }),
    );
    if (watching) {
      await Promise.all(
        clients.map(async (client, index) => {
          const watched = Array.from({ length: WATCHED }, (_, k) => roomOf(index + 1 + k));
          const reply = await client.emit("rooms:watch", { rooms: watched });
          if (!reply.ok) throw new Error(`rooms:watch refused: ${reply.error.code} ${reply.error.message}`);
        }),
      );
    }
    const send = (measured: boolean) => (index: number, scheduledMs: number) =>
      void senders[index % rooms]!.emit("message:send", { room: roomOf(index), content: benchContent(scheduledMs, measured) });
    // One message a second in every room.
    await runSchedule(rooms, Math.round(rooms * (options.warmupS ?? WARMUP_S)), send(false));

    counting = true;
    server.startCpu();
    const loadFrom = process.cpuUsage();
    const startedAt = performance.now();
    await runSchedule(rooms, rooms * durationS, send(true));
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    const cpuMs = await server.stopCpu();
    counting = false;
    const elapsedS = (performance.now() - startedAt) / 1000;
    const load = process.cpuUsage(loadFrom);
    return {
      serverCpuPct: Math.round(cpuMs / elapsedS / 10),
      bytesPerConnectionS: Math.round(bytes / connections / elapsedS),
      framesPerConnectionS: Math.round((frames / connections / elapsedS) * 10) / 10,
      loadCpuPct: Math.round((load.user + load.system) / 1000 / elapsedS / 10),
    };
  } finally {
    closeAll(clients);
  }
}

export const awareness: Scenario = {
  name: "awareness",
  title: "Awareness: 1,000 connections each showing one room and watching 20, against one room only",
  async run(context: Context): Promise<Row[]> {
    const connections = context.quick ? 200 : 1000;
    const durationS = context.quick ? 3 : 15;
    // Many connections and joins come from each of the bench's 16 source addresses.
    const env = { ...context.livechatEnv, MAX_CONNECTIONS_PER_ADDRESS: "0", JOIN_RATE: "0" };
    const results: Record<string, Measured> = {};
    for (const [name, kind, watching] of [
      ["b-sio one room", "b-sio", false],
      ["livechat one room", "livechat", false],
      ["livechat watching", "livechat", true],
    ] as const) {
      const server = await startHandled(kind, { env });
      try {
        const result = await measureAwareness(server, { connections, watching, durationS });
        results[name] = result;
        context.detail(name, { connections, durationS, ...result });
        context.log(
          `${name}: server CPU ${result.serverCpuPct}%, ${result.bytesPerConnectionS} B and ${result.framesPerConnectionS} frames per connection per s, load CPU ${result.loadCpuPct}%`,
        );
      } finally {
        await server.close();
      }
    }
    const [sio, alone, watching] = [results["b-sio one room"]!, results["livechat one room"]!, results["livechat watching"]!];
    const loadCpuPct = busiestLoad(sio, alone, watching);
    const cpuRatio = ratio(watching.serverCpuPct, alone.serverCpuPct);
    const bytesRatio = ratio(watching.bytesPerConnectionS, alone.bytesPerConnectionS);
    const note = `Livechat one room ${alone.serverCpuPct}% CPU, ${alone.bytesPerConnectionS} B/s per connection; the ratio is watching / one room`;
    return [
      {
        scenario: "awareness",
        figure: `server CPU, ${connections} connections watching ${WATCHED} rooms each`,
        unit: "% core",
        bsio: sio.serverCpuPct,
        livechat: watching.serverCpuPct,
        ratio: cpuRatio,
        target: "<= 1.3x one room",
        pass: cpuRatio !== undefined && cpuRatio <= 1.3,
        loadCpuPct,
        note,
      },
      {
        scenario: "awareness",
        figure: `bytes sent per connection, watching ${WATCHED} rooms`,
        unit: "B/s",
        bsio: sio.bytesPerConnectionS,
        livechat: watching.bytesPerConnectionS,
        ratio: bytesRatio,
        target: "<= 1.5x one room",
        pass: bytesRatio !== undefined && bytesRatio <= 1.5,
        loadCpuPct,
        note,
      },
    ];
  },
};
