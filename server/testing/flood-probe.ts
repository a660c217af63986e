// Test and bench support: how long messages take to reach other rooms' pages,
// first in calm, then while one socket floods its own room at 1,000 messages a
// second. Used by server/rate-limit.test.ts and bench/delivery-flood.ts. The
// flooder runs in a worker thread, so its own client work is not charged to the
// server's event loop.
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { RoomMessagesPush } from "../../lib/protocol";
import { join, okOf, send, until } from "./delivery-test-helpers";
import { percentile } from "./percentile";
import type { TestServer } from "./test-server";

export interface FloodOptions {
  /** Rooms with one sender and one receiver each, besides the flooded one. */
  rooms: number;
  /** Seconds of each phase (calm and flooded seconds take turns). */
  seconds: number;
  /** Messages a second each sender sends (inside the rate limit). */
  perSecond: number;
  floodPerSecond?: number;
}

export interface FloodFigures {
  latencies: { calm: number[]; flood: number[] };
  /** Event-loop utilisation (0..1) of the server's thread in each phase. */
  utilization: { calm: number; flood: number };
  /** Every message of the other rooms reached its receiver. */
  allDelivered: boolean;
  flood: {
    sent: number;
    accepted: number;
    refused: number;
    /** Time spent flooding. */
    seconds: number;
    /** From the first flooded second to the last. */
    spanSeconds: number;
    stored: number;
    stillConnected: boolean;
  };
}

interface FloodDone {
  sent: number;
  accepted: number;
  refused: number;
  seconds: number;
  spanSeconds: number;
  stillConnected: boolean;
}

export async function measureFlood(app: TestServer, options: FloodOptions): Promise<FloodFigures> {
  const { rooms: roomCount, seconds, perSecond, floodPerSecond = 1000 } = options;
  const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const pairs = await Promise.all(
    Array.from({ length: roomCount }, async (_, i) => {
      const room = `flood-probe-${stamp}-${i}`;
      const sender = await app.connect();
      const receiver = await app.connect();
      okOf(await join(sender, room));
      okOf(await join(receiver, room));
      return { room, sender, receiver };
    }),
  );

  const floodRoom = `flood-probe-${stamp}-flooded`;
  const flooder = new Worker(new URL("./flooder.worker.mjs", import.meta.url), {
    workerData: { url: app.url, room: floodRoom, perSecond: floodPerSecond },
  });
  let flooderJoined = false;
  const flooded = new Promise<FloodDone>((resolve, reject) => {
    flooder.on("message", (message: { type: string }) => {
      if (message.type === "joined") flooderJoined = true;
      if (message.type === "done") resolve(message as unknown as FloodDone);
    });
    flooder.once("error", reject);
  });
  await until(() => flooderJoined, 10_000, "the flooder to join");

  // Delivery latency: from the sender's emit to the receiver's push holding the
  // message, counted in the phase it was sent in. Calm and flooded seconds take
  // turns, so a machine whose load drifts weighs on both alike.
  const sent = new Map<string, { at: number; phase: keyof FloodFigures["latencies"] }>();
  const latencies: FloodFigures["latencies"] = { calm: [], flood: [] };
  const received = new Set<string>();
  for (const { room, receiver } of pairs) {
    receiver.on("room:messages", (push: RoomMessagesPush) => {
      if (push.room !== room) return;
      const now = performance.now();
      for (const message of push.messages) {
        const id = message.clientId;
        const sending = id === undefined ? undefined : sent.get(id);
        if (!id || !sending || received.has(id)) continue;
        received.add(id);
        latencies[sending.phase].push(now - sending.at);
      }
    });
  }
  let n = 0;
  // The server's own cost: how busy this thread's event loop was in each phase.
  const busy = { calm: { active: 0, idle: 0 }, flood: { active: 0, idle: 0 } };
  for (let second = 0; second < 2 * seconds; second++) {
    const phase = second % 2 === 0 ? "calm" : "flood";
    flooder.postMessage(phase === "flood" ? "on" : "off");
    const elu = performance.eventLoopUtilization();
    const end = performance.now() + 1000;
    while (performance.now() < end) {
      for (const { room, sender } of pairs) {
        const id = `${stamp}-${++n}`;
        sent.set(id, { at: performance.now(), phase });
        void send(sender, room, `chat ${n}`, id).then(okOf);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
    }
    const used = performance.eventLoopUtilization(elu);
    busy[phase].active += used.active;
    busy[phase].idle += used.idle;
  }
  flooder.postMessage("stop");
  const done = await flooded;
  await flooder.terminate();
  const allReceived = () => [...sent.keys()].every((id) => received.has(id));
  await until(allReceived, 10_000, "every message of the other rooms").catch(() => undefined);

  const stored = (await (await app.request(`/api/rooms/${floodRoom}/messages?limit=200`)).json()) as { messages: unknown[] };
  const result: FloodFigures = {
    latencies,
    utilization: {
      calm: busy.calm.active / (busy.calm.active + busy.calm.idle),
      flood: busy.flood.active / (busy.flood.active + busy.flood.idle),
    },
    allDelivered: allReceived(),
    flood: {
      sent: done.sent,
      accepted: done.accepted,
      refused: done.refused,
      seconds: done.seconds,
      spanSeconds: done.spanSeconds,
      stored: stored.messages.length,
      stillConnected: done.stillConnected,
    },
  };
  for (const { sender, receiver } of pairs) {
    sender.disconnect();
    receiver.disconnect();
  }
  return result;
}

export function describeFlood({ latencies, flood, utilization }: FloodFigures, perSecond: number, rooms: number): string {
  const p = (values: number[], q: number) => percentile(values, q).toFixed(1);
  const ratio = percentile(latencies.flood, 99) / percentile(latencies.calm, 99);
  return (
    `one socket sent ${flood.sent} messages in ${flood.seconds.toFixed(1)} s of flooding (${Math.round(flood.sent / flood.seconds)}/s) ` +
    `over ${flood.spanSeconds.toFixed(1)} s: ` +
    `${flood.accepted} stored, ${flood.refused} rate_limited. Other rooms (${rooms} senders at ${perSecond}/s): ` +
    `p50 ${p(latencies.calm, 50)} ms calm, ${p(latencies.flood, 50)} ms flooded; ` +
    `p99 ${p(latencies.calm, 99)} ms calm, ${p(latencies.flood, 99)} ms flooded (${ratio.toFixed(2)}x; ` +
    `${latencies.calm.length}+${latencies.flood.length} samples); the server thread (and these clients) busy ` +
    `${(utilization.calm * 100).toFixed(0)}% of calm seconds, ${(utilization.flood * 100).toFixed(0)}% of flooded ones`
  );
}
