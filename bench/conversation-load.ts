// One room under conversation traffic (issue 11's performance item): events on a fixed
// schedule, a share of which change a message already sent (reactions and edits, half
// each) instead of sending a new one, over a window whose messages answer one another
// and carry reactions. With no changes and a plain window it is the fan-out's
// measurement, so B-sio and Livechat's plain runs go through it too and every run of
// the scenario is measured alike.
//
// Each change targets a message of its own, so the `room:message` push a receiver
// gets names which change arrived: its latency is taken from that change's scheduled
// time, as a new message's is from its own.
import { performance } from "node:perf_hooks";
import { connectMany, sourceAddress, type AckReply, type BenchClient } from "./client";
import { closeAll, costFigures, joinAll, type Target } from "./fanout";
import { createHistogram, recordMs, summarize, type LatencySummary } from "./histogram";
import { benchContent, DeliveryTracker, runSchedule, waitUntil } from "./load";

export interface ConversationOptions {
  members: number;
  eventsPerS: number;
  durationS: number;
  /** Share of the events that change a sent message (reactions and edits alternately); the rest send new ones. */
  changeShare: number;
  /** The window holds replies and reactions: every message answers an earlier one, every other one carries three reactions. */
  decorated: boolean;
  /** Messages stored before the receivers join, so every push carries a full window. */
  prefill?: number;
}

export interface ConversationResult {
  /** New messages: scheduled send to each receiver's list push. */
  receive: LatencySummary;
  /** Changes: scheduled to each receiver's `room:message` push (count 0 without changes). */
  changeReceive: LatencySummary;
  ack: LatencySummary;
  changeAck: LatencySummary;
  messages: number;
  changes: number;
  /** Changes the server refused: any is a fault of the bench or the server. */
  refusedChanges: number;
  /** Deliveries (a new message or a change reaching one receiver) that arrived, of those due. */
  deliveredPct: number;
  serverCpuMs: number;
  /** Server CPU seconds per million deliveries, new messages and changes together. */
  serverCpuSPerMillion: number;
  serverCpuPct: number;
  loadCpuPct: number;
  avgPushBytes: number;
  closedByServer: number;
}

/** Senders, as in the fan-out: each a person of its own (a guest of one connection). */
const SENDERS = 10;
/** Distinct emoji on each decorated message of the prefilled window. */
const WINDOW_EMOJI = ["👍", "🎉", "❤️"];
const WARMUP_S = 0.5;
const DRAIN_MS = 3_000;
let roomCounter = 0;

/** A sent message a change may target: its seq, who sent it (the one who may edit it), and its text. */
interface Changeable {
  seq: number;
  author: number;
  content: string;
}

/** Changes in flight by the seq they target, and their latencies as receivers see them. */
class ChangeTracker {
  readonly receive = createHistogram();
  readonly ack = createHistogram();
  delivered = 0;
  sent = 0;
  /** Changes the server refused (none is expected: each targets a message of its own, by someone allowed). */
  refused = 0;
  private readonly bySeq = new Map<number, { scheduledMs: number; measured: boolean }>();

  /** Hand to BenchClient's `onEvent`. */
  readonly onEvent = (_client: BenchClient, event: string, args: unknown[]): void => {
    if (event !== "room:message") return;
    const now = performance.now();
    const change = this.bySeq.get((args[0] as { message: { seq: number } }).message.seq);
    if (!change?.measured) return;
    recordMs(this.receive, now - change.scheduledMs);
    this.delivered++;
  };

  send(client: BenchClient, event: string, payload: { room: string; seq: number }, scheduledMs: number, measured: boolean): void {
    if (measured) this.sent++;
    this.bySeq.set(payload.seq, { scheduledMs, measured });
    void client.emit(event, payload).then((reply) => {
      if (!reply.ok) this.refused++;
      else if (measured) recordMs(this.ack, performance.now() - scheduledMs);
    });
  }
}

export async function runConversation(server: Target, options: ConversationOptions): Promise<ConversationResult> {
  const room = `talk-${process.pid}-${++roomCounter}`;
  const tracker = new DeliveryTracker();
  const changes = new ChangeTracker();
  const senderCount = Math.min(options.members, SENDERS);
  let closing = false;
  let closedByServer = 0;
  const clients = await connectMany(options.members, (index) => ({
    onClose: () => void (closing || closedByServer++),
    url: server.url,
    localAddress: sourceAddress(index),
    onPush: tracker.onPush,
    onEvent: changes.onEvent,
  }));
  try {
    const senders = clients.slice(0, senderCount);
    await joinAll(senders, room);
    const newest = await prefillWindow(tracker, senders, room, options.prefill ?? 100, options.decorated);
    await joinAll(clients.slice(senderCount), room);

    // Sent messages not changed yet, newest last: a change takes the newest (it is in every page's window).
    const targets: Changeable[] = [];
    let lastSeq = newest;
    const sendMessage = (index: number, scheduledMs: number, measured: boolean) => {
      const author = index % senders.length;
      const content = benchContent(scheduledMs, measured);
      const extra = options.decorated && lastSeq > 0 ? { replyTo: lastSeq } : undefined;
      void tracker.send(senders[author]!, room, scheduledMs, measured, extra).then((reply: AckReply) => {
        const seq = reply.ok ? (reply.message as { seq?: number } | undefined)?.seq : undefined;
        if (seq === undefined) return;
        lastSeq = Math.max(lastSeq, seq);
        targets.push({ seq, author, content });
      });
    };
    const every = options.changeShare > 0 ? Math.round(1 / options.changeShare) : 0;
    let changed = 0;
    const event = (measured: boolean) => (index: number, scheduledMs: number) => {
      const target = every > 0 && index % every === every - 1 ? targets.pop() : undefined;
      if (!target) return sendMessage(index, scheduledMs, measured);
      // Reactions and edits take turns; a reaction comes from someone other than the author.
      if (changed++ % 2 === 0) {
        const by = senders[(target.author + 1) % senders.length]!;
        const reaction = { room, seq: target.seq, emoji: "👍", on: true };
        changes.send(by, "message:react", reaction, scheduledMs, measured);
      } else {
        // The edit keeps the bench's own fields first, so a page that meets the message edited still reads when it was sent.
        const edit = { room, seq: target.seq, content: `${target.content}|edited` };
        changes.send(senders[target.author]!, "message:edit", edit, scheduledMs, measured);
      }
    };
    await runSchedule(options.eventsPerS, Math.max(5, Math.ceil(options.eventsPerS * WARMUP_S)), event(false));

    server.startCpu();
    const loadFrom = process.cpuUsage();
    const startedAt = performance.now();
    const total = Math.max(1, Math.round(options.eventsPerS * options.durationS));
    await runSchedule(options.eventsPerS, total, event(true));
    const messages = tracker.sent;
    const expected = () => (tracker.sent + changes.sent) * options.members;
    await waitUntil(() => tracker.delivered + changes.delivered >= expected(), DRAIN_MS);
    const elapsedS = (performance.now() - startedAt) / 1000;
    const serverCpuMs = await server.stopCpu();
    const load = process.cpuUsage(loadFrom);

    const delivered = tracker.delivered + changes.delivered;
    const { receive, ack } = tracker.summary();
    return {
      receive,
      changeReceive: summarize(changes.receive),
      ack,
      changeAck: summarize(changes.ack),
      messages,
      changes: changes.sent,
      refusedChanges: changes.refused,
      deliveredPct: Math.round((delivered / Math.max(1, expected())) * 10_000) / 100,
      ...costFigures({ serverCpuMs, servers: 1, load, elapsedS, delivered, tracker }),
      closedByServer,
    };
  } finally {
    closing = true;
    closeAll(clients);
  }
}

/**
 * Stores `count` unmeasured messages, pipelined on the first sender (order is kept);
 * decorated, each answers the first and every other one gets three reactions from
 * three senders. Answers the newest seq.
 */
async function prefillWindow(tracker: DeliveryTracker, senders: BenchClient[], room: string, count: number, decorated: boolean): Promise<number> {
  // A reply's original must be stored before the reply is asked for: the first goes alone.
  const first = await tracker.send(senders[0]!, room, performance.now(), false);
  const sends = Array.from({ length: count - 1 }, () =>
    tracker.send(senders[0]!, room, performance.now(), false, decorated && first.ok ? { replyTo: (first.message as { seq: number }).seq } : undefined),
  );
  const replies = [first, ...(await Promise.all(sends))];
  const refused = replies.find((reply) => !reply.ok);
  if (refused && !refused.ok) throw new Error(`prefill refused: ${refused.error.code} ${refused.error.message}`);
  const seqs = replies.map((reply) => (reply.ok ? (reply.message as { seq: number }).seq : 0));
  if (decorated) {
    const reactions = seqs.flatMap((seq, i) =>
      i % 2 === 0 ? WINDOW_EMOJI.map((emoji, k) => senders[k % senders.length]!.emit("message:react", { room, seq, emoji, on: true })) : [],
    );
    const refusedReaction = (await Promise.all(reactions)).find((reply) => !reply.ok);
    if (refusedReaction && !refusedReaction.ok) throw new Error(`prefill reaction refused: ${refusedReaction.error.code} ${refusedReaction.error.message}`);
  }
  return Math.max(0, ...seqs);
}
