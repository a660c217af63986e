// Test and bench support: how long messages take to reach other rooms' pages,
// first in calm, then while one socket floods its own room at 1,000 messages a
// second. Used by server/rate-limit.test.ts and bench/delivery-flood.ts. The
// flooder runs in a worker thread, so its own client work is not charged to the
// server's event loop.
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { RoomMessagesPush } from "../lib/protocol";
import { join, okOf, percentile, send, until } from "./delivery-test-helpers";
import type { TestServer } from "./test-server";

export interface FloodOptions {
  /** Rooms with one sender and one receiver each, besides the flooded one. */
  rooms: number;
  /** Length of each phase (calm, then flood). */
  seconds: number;
  /** Messages a second each sender sends (inside the rate limit). */
  perSecond: number;
  floodPerSecond?: number;
}

export interface FloodFigures {
  latencies: { calm: number[]; flood: number[] };
  /** Every message of the other rooms reached its receiver. */
  allDelivered: boolean;
  flood: { sent: number; accepted: number; refused: number; seconds: number; stored: number; stillConnected: boolean };
}

interface FloodDone {
  sent: number;
  accepted: number;
  refused: number;
  seconds: number;
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

  // Delivery latency: from the sender's emit to the receiver's push holding the message.
  const emittedAt = new Map<string, number>();
  const latencies = { calm: [] as number[], flood: [] as number[] };
  let phase: keyof typeof latencies = "calm";
  const received = new Set<string>();
  for (const { room, receiver } of pairs) {
    receiver.on("room:messages", (push: RoomMessagesPush) => {
      if (push.room !== room) return;
      const now = performance.now();
      for (const message of push.messages) {
        const id = message.clientId;
        if (!id || received.has(id)) continue;
        received.add(id);
        const at = emittedAt.get(id);
        if (at !== undefined) latencies[phase].push(now - at);
      }
    });
  }
  const sentIds: string[] = [];
  let n = 0;
  async function chatFor(ms: number) {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (const { room, sender } of pairs) {
        const id = `${stamp}-${++n}`;
        sentIds.push(id);
        emittedAt.set(id, performance.now());
        void send(sender, room, `chat ${n}`, id).then(okOf);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
    }
  }
  const allReceived = () => sentIds.every((id) => received.has(id));

  await chatFor(seconds * 1000);
  await until(allReceived, 10_000, "the calm phase's messages");

  const floodRoom = `flood-probe-${stamp}-flooded`;
  const flooder = new Worker(new URL("./flooder.worker.mjs", import.meta.url), {
    workerData: { url: app.url, room: floodRoom, perSecond: floodPerSecond, seconds },
  });
  const flooded = new Promise<FloodDone>((resolve, reject) => {
    flooder.on("message", (message: { type: string }) => {
      if (message.type === "joined") phase = "flood";
      if (message.type === "done") resolve(message as unknown as FloodDone);
    });
    flooder.once("error", reject);
  });
  await until(() => phase === "flood", 10_000, "the flooder to join");
  await chatFor(seconds * 1000);
  const done = await flooded;
  await flooder.terminate();
  await until(allReceived, 10_000, "every message of the other rooms").catch(() => undefined);

  const stored = (await (await app.request(`/api/rooms/${floodRoom}/messages?limit=200`)).json()) as { messages: unknown[] };
  const result: FloodFigures = {
    latencies,
    allDelivered: allReceived(),
    flood: {
      sent: done.sent,
      accepted: done.accepted,
      refused: done.refused,
      seconds: done.seconds,
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

export function describeFlood({ latencies, flood }: FloodFigures, perSecond: number, rooms: number): string {
  const p = (values: number[], q: number) => percentile(values, q).toFixed(1);
  const ratio = percentile(latencies.flood, 99) / percentile(latencies.calm, 99);
  return (
    `one socket sent ${flood.sent} messages in ${flood.seconds.toFixed(1)} s (${Math.round(flood.sent / flood.seconds)}/s): ` +
    `${flood.accepted} stored, ${flood.refused} rate_limited. Other rooms (${rooms} senders at ${perSecond}/s): ` +
    `p50 ${p(latencies.calm, 50)} ms calm, ${p(latencies.flood, 50)} ms flooded; ` +
    `p99 ${p(latencies.calm, 99)} ms calm, ${p(latencies.flood, 99)} ms flooded (${ratio.toFixed(2)}x; ` +
    `${latencies.calm.length}+${latencies.flood.length} samples)`
  );
}
