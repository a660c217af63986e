// Open-loop load: messages go out on a fixed schedule and each carries its
// *scheduled* send time, so a backlog shows as latency instead of hiding.
// The tracker turns every push a receiver gets into per-receiver latencies.
import { performance } from "node:perf_hooks";
import type { AckReply, BenchClient } from "./client";
import { pushSeq } from "./frames";
import { createHistogram, recordMs, summarize, type LatencySummary } from "./histogram";

const PAD = "x".repeat(40);

/** A bench message's content: whether it counts, and when it was scheduled. */
export function benchContent(scheduledMs: number, measured: boolean): string {
  return `${measured ? "m" : "w"}|${scheduledMs.toFixed(3)}|${PAD}`;
}

export function parseBenchContent(content: string): { scheduledMs: number; measured: boolean } | undefined {
  const [flag, time] = content.split("|");
  if ((flag !== "m" && flag !== "w") || time === undefined) return undefined;
  return { scheduledMs: Number(time), measured: flag === "m" };
}

interface Sent {
  scheduledMs: number;
  measured: boolean;
}

const ROOM_KEY_AT = Buffer.byteLength('42["room:messages",{"room":"');

export class DeliveryTracker {
  readonly receive = createHistogram();
  readonly ack = createHistogram();
  delivered = 0;
  sent = 0;
  /** Bytes of every push frame received, for the average push size. */
  pushBytes = 0;
  pushFrames = 0;
  private readonly rooms = new Map<string, Map<number, Sent>>();

  /** Hand to BenchClient's `onPush`. */
  readonly onPush = (client: BenchClient, frame: Buffer): void => {
    const now = performance.now();
    this.pushBytes += frame.length;
    this.pushFrames++;
    const room = frame.toString("utf8", ROOM_KEY_AT, frame.indexOf(34, ROOM_KEY_AT));
    const seq = pushSeq(frame);
    const last = client.lastSeen.get(room);
    if (last === undefined || seq <= last) return;
    client.lastSeen.set(room, seq);
    let known = this.rooms.get(room);
    if (!known) this.rooms.set(room, (known = new Map()));
    for (let s = last + 1; s <= seq; s++) {
      let sent = known.get(s);
      if (!sent) {
        this.learn(known, frame);
        sent = known.get(s);
      }
      if (sent?.measured) {
        recordMs(this.receive, now - sent.scheduledMs);
        this.delivered++;
      }
    }
  };

  /** Sends one bench message on `client` at its scheduled time (with `extra` fields, a `replyTo` say); records send-to-ack. */
  send(client: BenchClient, room: string, scheduledMs: number, measured: boolean, extra?: object): Promise<AckReply> {
    if (measured) this.sent++;
    return client.emit("message:send", { room, content: benchContent(scheduledMs, measured), ...extra }).then((reply) => {
      if (measured && reply.ok) recordMs(this.ack, performance.now() - scheduledMs);
      return reply;
    });
  }

  summary(): { receive: LatencySummary; ack: LatencySummary; delivered: number } {
    return { receive: summarize(this.receive), ack: summarize(this.ack), delivered: this.delivered };
  }

  /** Only the first receiver of a push parses it; the others read its seq alone. */
  private learn(known: Map<number, Sent>, frame: Buffer): void {
    const [, payload] = JSON.parse(frame.toString("utf8", 2)) as [string, { messages: { seq: number; content: string }[] }];
    for (const message of payload.messages) {
      if (known.has(message.seq)) continue;
      const parsed = parseBenchContent(message.content);
      known.set(message.seq, parsed ?? { scheduledMs: 0, measured: false });
    }
  }
}

/** Stores `count` unmeasured messages, pipelined on one socket (order is kept), so pushes carry a full window. */
export async function prefill(tracker: DeliveryTracker, client: BenchClient, room: string, count: number): Promise<void> {
  const replies = await Promise.all(Array.from({ length: count }, () => tracker.send(client, room, performance.now(), false)));
  const refused = replies.find((reply) => !reply.ok);
  if (refused && !refused.ok) throw new Error(`prefill refused: ${refused.error.code} ${refused.error.message}`);
}

/**
 * Fires `total` events at `ratePerS` on a fixed schedule from now; late ticks fire
 * every event that is due at once, stamped with the time it was due.
 */
export function runSchedule(ratePerS: number, total: number, fire: (index: number, scheduledMs: number) => void): Promise<void> {
  const interval = 1000 / ratePerS;
  const start = performance.now();
  let index = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (index < total && start + index * interval <= now) {
        fire(index, start + index * interval);
        index++;
      }
      if (index >= total) return resolve();
      setTimeout(tick, Math.max(0, start + index * interval - performance.now()));
    };
    tick();
  });
}

export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
