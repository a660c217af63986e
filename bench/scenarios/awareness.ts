// Awareness (issue 12, item 3): what watching rooms costs the server. 1,000
// connections each show one room (joined: a full list per message) and watch 20
// others (rooms:watch: a small room:activity per message), with 1 message a second
// in every room; against the same people joined to their one room only. Figures:
// the server's CPU and the bytes it sends each connection. Goal: at most 1.3x the
// CPU and 1.5x the bytes.
//
// Both configurations run on one Livechat server with the same connections, in
// alternating phases (one room, watching, watching, one room, ...), so the machine's
// load weighs on both alike; a phase only changes the connections' watch sets. Bytes
// are counted for the phase's own messages (a push of a warm-up message arriving late
// counts for nothing), and beside them what was due: every watcher's activity for every
// message, and every member's list up to the room's last message. B-sio, which has no
// watching, runs the one-room case alone as the usual reference.
import { performance } from "node:perf_hooks";
import { connectMany, sourceAddress, type AckReply, type BenchClient } from "../client";
import { closeAll, joinAll, type Target } from "../fanout";
import { isMessagesPush, pushSeq } from "../frames";
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
const WARMUP_S = 1;
const DRAIN_MS = 1_000;
/** Below this share of what was due, a phase's bytes say more about losses than about cost. */
const DELIVERED_ENOUGH = 0.99;

const ACTIVITY_PREFIX = Buffer.from('42["room:activity",{"room":"');

export interface AwarenessOptions {
  connections: number;
  /** Each connection watches WATCHED rooms besides the one it shows; else it only shows one. */
  watching: boolean;
  durationS: number;
  prefill?: number;
  warmupS?: number;
}

/** What phases add up: raw sums, so several phases of one configuration make one figure. */
export interface Tally {
  connections: number;
  cpuMs: number;
  /** Wall time the server's CPU was measured over (sending and draining). */
  elapsedS: number;
  /** Seconds of sending: bytes are per second of these. */
  sendingS: number;
  bytes: number;
  frames: number;
  lists: number;
  activities: number;
  activitiesDue: number;
  /** Connections whose list reached their room's last message of the phase, of those due one. */
  listsComplete: number;
  listsDue: number;
  closedByServer: number;
  loadMs: number;
}

export interface Measured {
  serverCpuPct: number;
  /** Bytes of the frames the server sent one connection for the measured messages (and anything else meanwhile), per second. */
  bytesPerConnectionS: number;
  framesPerConnectionS: number;
  /** Of those frames, the room's full lists (room:messages). */
  listsPerConnectionS: number;
  activitiesPerConnectionS: number;
  /** room:activity pushes received / due (every watcher, every message), 1 when none were due. */
  activityDelivered: number;
  /** Connections whose list reached their room's last measured message / all. */
  listsDelivered: number;
  /** Connections the server closed during the run (a slow consumer cut off, say): they hear nothing after. */
  closedByServer: number;
  loadCpuPct: number;
}

let runs = 0;

/** Connections joined to their rooms, ready to measure either configuration, phase after phase. */
export class AwarenessSession {
  private counting = false;
  private closing = false;
  /** Whether the connections' watch sets are not empty. */
  private watched = false;
  private tally = emptyTally(0);
  /** Per room: the newest seq stored before the phase's measured messages, and the newest of those. */
  private readonly before: number[];
  private readonly last: number[];
  private readonly sentInPhase: number[];
  /** Per room: connections watching it (not joined to it) in this phase. */
  private readonly watchers: number[];
  /** Per connection: the newest seq of its room's lists in this phase. */
  private readonly newestList: number[];
  private readonly roomIndex = new Map<string, number>();
  private clients: BenchClient[] = [];

  private constructor(
    private readonly server: Target,
    readonly connections: number,
    readonly rooms: number,
    private readonly prefix: string,
  ) {
    this.before = new Array<number>(rooms).fill(0);
    this.last = new Array<number>(rooms).fill(0);
    this.sentInPhase = new Array<number>(rooms).fill(0);
    this.watchers = new Array<number>(rooms).fill(0);
    this.newestList = new Array<number>(connections).fill(0);
    for (let room = 0; room < rooms; room++) this.roomIndex.set(this.roomName(room), room);
  }

  static async open(server: Target, connections: number, prefill = PREFILL): Promise<AwarenessSession> {
    const rooms = Math.max(WATCHED + 1, Math.round(connections / PEOPLE_PER_ROOM));
    const session = new AwarenessSession(server, connections, rooms, `aware-${process.pid}-${++runs}`);
    try {
      session.clients = await connectMany(connections, (index) => ({
        url: server.url,
        localAddress: sourceAddress(index),
        onClose: () => void (session.closing || session.tally.closedByServer++),
        onFrame: (_client, size, frame) => session.received(index, size, frame),
      }));
      await joinAll(session.clients, (index) => session.roomName(index % rooms));
      // Client i shows room i % rooms: the first `rooms` clients send, one to each room.
      await Promise.all(
        session.senders().map(async (sender, room) => {
          for (let i = 0; i < prefill; i++) session.stored(room, await sender.emit("message:send", { room: session.roomName(room), content: benchContent(0, false) }), false);
        }),
      );
      return session;
    } catch (error) {
      session.close();
      throw error;
    }
  }

  /** One phase: sets every connection's watch set, warms up, then measures `durationS` of 1 message a second per room. */
  async measure(watching: boolean, durationS: number, warmupS = WARMUP_S): Promise<Tally> {
    const { connections, rooms } = this;
    this.watchers.fill(0);
    // A server that has never been asked to watch (B-sio knows no rooms:watch) is not asked to stop.
    if (watching || this.watched) await Promise.all(
      this.clients.map(async (client, index) => {
        const watched = watching ? Array.from({ length: WATCHED }, (_, k) => (index + 1 + k) % rooms) : [];
        for (const room of watched) if (room !== index % rooms) this.watchers[room]!++;
        const reply = await client.emit("rooms:watch", { rooms: watched.map((room) => this.roomName(room)) });
        if (!reply.ok) throw new Error(`rooms:watch refused: ${reply.error.code} ${reply.error.message}`);
      }),
    );
    this.watched = watching;
    await this.sendFor(warmupS, false);

    this.tally = emptyTally(connections);
    this.last.splice(0, rooms, ...this.before);
    this.sentInPhase.fill(0);
    this.newestList.fill(0);
    this.counting = true;
    this.server.startCpu();
    const loadFrom = process.cpuUsage();
    const startedAt = performance.now();
    await this.sendFor(durationS, true);
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    const cpuMs = await this.server.stopCpu();
    this.counting = false;
    const load = process.cpuUsage(loadFrom);
    const tally = this.tally;
    tally.cpuMs = cpuMs;
    tally.elapsedS = (performance.now() - startedAt) / 1000;
    tally.sendingS = durationS;
    tally.loadMs = (load.user + load.system) / 1000;
    for (let room = 0; room < rooms; room++) {
      if (this.sentInPhase[room] === 0) continue;
      tally.activitiesDue += this.sentInPhase[room]! * this.watchers[room]!;
    }
    for (let index = 0; index < connections; index++) {
      const room = index % rooms;
      if (this.sentInPhase[room] === 0) continue;
      tally.listsDue++;
      if (this.newestList[index]! >= this.last[room]!) tally.listsComplete++;
    }
    // The next phase's warm-up starts from here.
    this.before.splice(0, rooms, ...this.last);
    return tally;
  }

  close(): void {
    this.closing = true;
    closeAll(this.clients);
  }

  private roomName(room: number): string {
    return `${this.prefix}-${room}`;
  }

  private senders(): BenchClient[] {
    return this.clients.slice(0, this.rooms);
  }

  /** One message a second in every room for `seconds`; resolves once every one is acknowledged. */
  private async sendFor(seconds: number, measured: boolean): Promise<void> {
    const senders = this.senders();
    const acks: Promise<void>[] = [];
    await runSchedule(this.rooms, Math.round(this.rooms * seconds), (index, scheduledMs) => {
      const room = index % this.rooms;
      const content = benchContent(scheduledMs, measured);
      acks.push(senders[room]!.emit("message:send", { room: this.roomName(room), content }).then((reply) => this.stored(room, reply, measured)));
    });
    await Promise.all(acks);
  }

  private stored(room: number, reply: AckReply, measured: boolean): void {
    if (!reply.ok) return;
    const seq = (reply.message as { seq: number }).seq;
    if (measured) {
      this.sentInPhase[room]!++;
      this.last[room] = Math.max(this.last[room]!, seq);
    } else this.before[room] = Math.max(this.before[room]!, seq);
  }

  /** Counts a frame the server sent connection `index`, if it belongs to the phase. */
  private received(index: number, size: number, frame: Buffer): void {
    if (!this.counting) return;
    const tally = this.tally;
    if (isMessagesPush(frame)) {
      // A connection's lists are its own room's.
      const seq = pushSeq(frame);
      if (seq <= this.before[index % this.rooms]!) return;
      this.newestList[index] = Math.max(this.newestList[index]!, seq);
      tally.lists++;
    } else if (isActivity(frame)) {
      const room = this.roomIndex.get(frame.toString("utf8", ACTIVITY_PREFIX.length, frame.indexOf(34, ACTIVITY_PREFIX.length)));
      if (room === undefined || pushSeq(frame) <= this.before[room]!) return;
      tally.activities++;
    }
    // Anything else (pings, acks) is what the server sent meanwhile.
    tally.bytes += size;
    tally.frames++;
  }
}

function isActivity(frame: Buffer): boolean {
  return frame.length > ACTIVITY_PREFIX.length && frame.compare(ACTIVITY_PREFIX, 0, ACTIVITY_PREFIX.length, 0, ACTIVITY_PREFIX.length) === 0;
}

function emptyTally(connections: number): Tally {
  return {
    connections,
    cpuMs: 0,
    elapsedS: 0,
    sendingS: 0,
    bytes: 0,
    frames: 0,
    lists: 0,
    activities: 0,
    activitiesDue: 0,
    listsComplete: 0,
    listsDue: 0,
    closedByServer: 0,
    loadMs: 0,
  };
}

/** Phases of one configuration added up. */
export function addTallies(tallies: readonly Tally[]): Tally {
  const sum = emptyTally(tallies[0]?.connections ?? 0);
  for (const tally of tallies) {
    for (const key of Object.keys(sum) as (keyof Tally)[]) if (key !== "connections") sum[key] += tally[key];
  }
  return sum;
}

export function summarize(tally: Tally): Measured {
  const perConnectionS = (value: number) => value / tally.connections / tally.sendingS;
  return {
    // A tenth of a percent: the two configurations differ by a few points, so whole points would decide the ratio.
    serverCpuPct: Math.round(tally.cpuMs / tally.elapsedS) / 10,
    bytesPerConnectionS: Math.round(perConnectionS(tally.bytes)),
    framesPerConnectionS: Math.round(perConnectionS(tally.frames) * 10) / 10,
    listsPerConnectionS: Math.round(perConnectionS(tally.lists) * 100) / 100,
    activitiesPerConnectionS: Math.round(perConnectionS(tally.activities) * 10) / 10,
    activityDelivered: tally.activitiesDue === 0 ? 1 : Math.round((tally.activities / tally.activitiesDue) * 1000) / 1000,
    listsDelivered: tally.listsDue === 0 ? 1 : Math.round((tally.listsComplete / tally.listsDue) * 1000) / 1000,
    closedByServer: tally.closedByServer,
    loadCpuPct: Math.round(tally.loadMs / tally.elapsedS / 10),
  };
}

/** One configuration measured once, on connections of its own. */
export async function measureAwareness(server: Target, options: AwarenessOptions): Promise<Measured> {
  const session = await AwarenessSession.open(server, options.connections, options.prefill);
  try {
    return summarize(await session.measure(options.watching, options.durationS, options.warmupS));
  } finally {
    session.close();
  }
}

function delivered(result: Measured): boolean {
  return result.activityDelivered >= DELIVERED_ENOUGH && result.listsDelivered >= DELIVERED_ENOUGH && result.closedByServer === 0;
}

function summaryLine(result: Measured): string {
  return (
    `server CPU ${result.serverCpuPct}%, ${result.bytesPerConnectionS} B and ${result.framesPerConnectionS} frames per connection per s ` +
    `(${result.listsPerConnectionS} lists, ${result.activitiesPerConnectionS} activities); delivered: lists ${result.listsDelivered}, ` +
    `activity ${result.activityDelivered}; ${result.closedByServer} closed by the server; load CPU ${result.loadCpuPct}%`
  );
}

export const awareness: Scenario = {
  name: "awareness",
  title: "Awareness: 1,000 connections each showing one room and watching 20, against one room only",
  async run(context: Context): Promise<Row[]> {
    const connections = context.quick ? 200 : 1000;
    const phaseS = context.quick ? 3 : 5;
    const rounds = context.quick ? 2 : 3;
    const env = context.livechatEnv;

    const sioServer = await startHandled("b-sio", { env });
    let sio: Measured;
    try {
      sio = await measureAwareness(sioServer, { connections, watching: false, durationS: phaseS * rounds });
    } finally {
      await sioServer.close();
    }
    context.detail("b-sio one room", { connections, durationS: phaseS * rounds, ...sio });
    context.log(`b-sio one room: ${summaryLine(sio)}`);

    const server = await startHandled("livechat", { env });
    const phases: { alone: Tally[]; watching: Tally[] } = { alone: [], watching: [] };
    try {
      const session = await AwarenessSession.open(server, connections);
      try {
        // Alternating which comes first, so a drift of the machine's load favours neither.
        for (let round = 0; round < rounds; round++) {
          for (const watching of round % 2 === 0 ? [false, true] : [true, false]) {
            const tally = await session.measure(watching, phaseS);
            (watching ? phases.watching : phases.alone).push(tally);
            context.log(`livechat ${watching ? "watching" : "one room"}, round ${round + 1}: ${summaryLine(summarize(tally))}`);
          }
        }
      } finally {
        session.close();
      }
    } finally {
      await server.close();
    }
    const alone = summarize(addTallies(phases.alone));
    const watching = summarize(addTallies(phases.watching));
    for (const [name, result] of [
      ["livechat one room", alone],
      ["livechat watching", watching],
    ] as const) {
      context.detail(name, { connections, durationS: phaseS * rounds, interleavedRounds: rounds, ...result });
      context.log(`${name}, ${rounds} phases of ${phaseS} s: ${summaryLine(result)}`);
    }

    const loadCpuPct = busiestLoad(sio, alone, watching);
    const cpuRatio = ratio(watching.serverCpuPct, alone.serverCpuPct);
    const bytesRatio = ratio(watching.bytesPerConnectionS, alone.bytesPerConnectionS);
    const whole = delivered(alone) && delivered(watching);
    const note =
      `Livechat one room ${alone.serverCpuPct}% CPU, ${alone.bytesPerConnectionS} B/s per connection, interleaved with watching; ` +
      `the ratio is watching / one room` +
      (whole ? "" : `; NOT every push due arrived (lists ${watching.listsDelivered}, activity ${watching.activityDelivered}): no verdict`);
    return [
      {
        scenario: "awareness",
        figure: `server CPU, ${connections} connections watching ${WATCHED} rooms each`,
        unit: "% core",
        bsio: sio.serverCpuPct,
        livechat: watching.serverCpuPct,
        ratio: cpuRatio,
        target: "<= 1.3x one room",
        pass: whole && cpuRatio !== undefined ? cpuRatio <= 1.3 : undefined,
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
        pass: whole && bytesRatio !== undefined ? bytesRatio <= 1.5 : undefined,
        loadCpuPct,
        note,
      },
    ];
  },
};
