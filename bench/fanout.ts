// One room, many receivers, one fixed message rate: the measurement under
// scenarios 2, 3, 6, 8 and the full-list variant.
import { performance } from "node:perf_hooks";
import { connectMany, sourceAddress, type BenchClient } from "./client";
import type { LatencySummary } from "./histogram";
import { DeliveryTracker, prefill, runSchedule, waitUntil } from "./load";

/** A server under test as the fan-out sees it (a ServerHandle, or an in-process server in tests). */
export interface Target {
  url: string;
  startCpu(): void;
  stopCpu(): Promise<number>;
}

export interface FanoutOptions {
  members: number;
  messagesPerS: number;
  durationS: number;
  /** Messages stored before the receivers join, so every push carries a full window. */
  prefill?: number;
  cookie?: string;
  /** Receivers spread over these servers (scenario 8); the first one takes the senders. */
  extraServers?: Target[];
  /** Runs beside the measured load (scenario 6's login burst). */
  alongside?: () => Promise<void>;
}

export interface FanoutResult {
  receive: LatencySummary;
  ack: LatencySummary;
  deliveredPct: number;
  deliveriesPerS: number;
  serverCpuMs: number;
  serverCpuSPerMillion: number;
  loadCpuMs: number;
  /** Share of one core each process used over the measured run: near 100 is a ceiling. */
  serverCpuPct: number;
  loadCpuPct: number;
  avgPushBytes: number;
  /** Receivers the server closed during the run (a slow consumer cut off, say). */
  closedByServer: number;
}

const WARMUP_S = 0.5;
const DRAIN_MS = 3_000;
let roomCounter = 0;

export async function runFanout(server: Target, options: FanoutOptions): Promise<FanoutResult> {
  const room = `bench-${process.pid}-${++roomCounter}`;
  const servers = [server, ...(options.extraServers ?? [])];
  const tracker = new DeliveryTracker();
  const senderCount = Math.min(options.members, 10);
  let closing = false;
  let closedByServer = 0;
  const clients = await connectMany(options.members, (index) => ({
    onClose: () => void (closing || closedByServer++),
    url: servers[index < senderCount ? 0 : index % servers.length]!.url,
    localAddress: sourceAddress(index),
    onPush: tracker.onPush,
    ...(options.cookie ? { cookie: options.cookie } : {}),
  }));
  try {
    const senders = clients.slice(0, senderCount);
    await senders[0]!.join(room);
    await prefill(tracker, senders[0]!, room, options.prefill ?? 100);
    await joinAll(clients.slice(1), room);

    const send = (measured: boolean) => (index: number, scheduledMs: number) =>
      void tracker.send(senders[index % senders.length]!, room, scheduledMs, measured);
    await runSchedule(options.messagesPerS, Math.max(5, Math.ceil(options.messagesPerS * WARMUP_S)), send(false));

    for (const node of servers) node.startCpu();
    const loadFrom = process.cpuUsage();
    const startedAt = performance.now();
    const total = Math.max(1, Math.round(options.messagesPerS * options.durationS));
    const side = options.alongside?.();
    await runSchedule(options.messagesPerS, total, send(true));
    const expected = total * options.members;
    await waitUntil(() => tracker.delivered >= expected, DRAIN_MS);
    const elapsedS = (performance.now() - startedAt) / 1000;
    let serverCpuMs = 0;
    for (const node of servers) serverCpuMs += await node.stopCpu();
    const load = process.cpuUsage(loadFrom);
    await side;

    const { receive, ack, delivered } = tracker.summary();
    return {
      receive,
      ack,
      deliveredPct: Math.round((delivered / expected) * 10_000) / 100,
      deliveriesPerS: Math.round(delivered / elapsedS),
      loadCpuMs: Math.round((load.user + load.system) / 1000),
      ...costFigures({ serverCpuMs, servers: servers.length, load, elapsedS, delivered, tracker }),
      closedByServer,
    };
  } finally {
    closing = true;
    closeAll(clients);
  }
}

/** What a measured run cost: the servers' CPU (in all, per million deliveries, per server), the load's, and the pushes' size. */
export function costFigures(run: {
  serverCpuMs: number;
  servers: number;
  load: NodeJS.CpuUsage;
  elapsedS: number;
  delivered: number;
  tracker: DeliveryTracker;
}): Pick<FanoutResult, "serverCpuMs" | "serverCpuSPerMillion" | "serverCpuPct" | "loadCpuPct" | "avgPushBytes"> {
  const { serverCpuMs, servers, load, elapsedS, delivered, tracker } = run;
  return {
    serverCpuMs: Math.round(serverCpuMs),
    serverCpuSPerMillion: Math.round((serverCpuMs / 1000 / Math.max(1, delivered)) * 1e6 * 10) / 10,
    serverCpuPct: Math.round(serverCpuMs / servers / elapsedS / 10),
    loadCpuPct: Math.round((load.user + load.system) / 1000 / elapsedS / 10),
    avgPushBytes: Math.round(tracker.pushBytes / Math.max(1, tracker.pushFrames)),
  };
}

export async function joinAll(clients: BenchClient[], room: string | ((index: number) => string), parallel = 200): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const index = next++;
      await clients[index]!.join(typeof room === "string" ? room : room(index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, clients.length) }, worker));
}

export function closeAll(clients: BenchClient[]): void {
  for (const client of clients) client?.close();
}
