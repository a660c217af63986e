// Issue 14's figures with four nodes (STORE=postgres, a PostgreSQL and a redis-server
// started here, as scenario 8 and redis-fanout.ts start them), each node a process of
// its own pinned to core 0 (spawn.ts), the load generator on core 1.
//   fanout: p99 in a room of 1,000 at 20 msg/s, members spread over the four nodes,
//           against the same room on one node (scenario 8's reference), in alternating rounds.
//   idle:   RSS and heap per authenticated idle socket, SOCKETS (50,000) spread over
//           the four nodes, ten per room as in scenario 1.
//   nginx:  scenario 8's room through nginx (server/nginx.ts, pinned to core 0 too) in
//           front of the four nodes: every client, senders included, connects to nginx.
// Run: `node --import tsx bench/cluster-scale.ts [fanout] [idle] [nginx]` (all three by
// default); ROUNDS, DURATION (s), MEMBERS, SOCKETS. The idle sockets are held by one
// process per node (idle-holder.ts), each within its own descriptor limit.
import { execFileSync, execSync, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { startNginx } from "../server/nginx";
import { freePort } from "../server/redis-server";
import { startNodesOnFreshPostgres } from "../server/testing/fresh-postgres";
import { registerUser } from "./accounts";
import { runFanout, type FanoutResult, type Target } from "./fanout";
import type { HolderReply, HoldRequest } from "./idle-holder";
import { hasTaskset, pinLoadGenerator, ServerHandle, unpin } from "./spawn";

const NODES = 4;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION_S = Number(process.env.DURATION ?? 10);
const MEMBERS = Number(process.env.MEMBERS ?? 1_000);
const MESSAGES_PER_S = 20;
/** As run.ts gives every Livechat server: the bench's few senders stand for many people. */
const BENCH_ENV = { MESSAGE_RATE: "0", ...(process.env.LOG_LEVEL ? { LOG_LEVEL: process.env.LOG_LEVEL } : {}) };

const modes = process.argv.slice(2);
const chosen = modes.length ? modes : ["fanout", "idle", "nginx"];
const unknown = chosen.filter((mode) => !["fanout", "idle", "nginx"].includes(mode));
if (unknown.length) {
  console.error(`Unknown ${unknown.join(", ")}: choose among fanout, idle, nginx.`);
  process.exit(2);
}

const stamp = () => {
  let commit = "unknown";
  try {
    commit = execSync("git rev-parse --short HEAD").toString().trim();
  } catch {
    // not a git checkout
  }
  return `${new Date().toISOString()}, commit ${commit}, load average ${loadavg().map((v) => v.toFixed(2)).join(" ")}`;
};

const pinned = pinLoadGenerator();
console.log(`${stamp()}; ${pinned ? "nodes on core 0, load generator on core 1 (taskset)" : "not pinned: taskset is missing"}`);

/** Four nodes on a fresh PostgreSQL and redis-server, each a pinned process (TRUST_PROXY as behind nginx). */
async function withNodes<T>(measure: (nodes: ServerHandle[]) => Promise<T>, options: { pingIntervalMs?: number } = {}): Promise<T> {
  const cluster = await startNodesOnFreshPostgres(
    (shared, i) => ServerHandle.start("livechat", { ...options, env: { ...BENCH_ENV, DATA_DIR: "", ...shared, TRUST_PROXY: "true", NODE_NAME: `node-${i + 1}` } }),
    { count: NODES },
  );
  try {
    return await measure(cluster.nodes);
  } finally {
    await cluster.stop();
  }
}

const line = (label: string, r: FanoutResult) =>
  `${label}: p50 ${r.receive.p50Ms} p99 ${r.receive.p99Ms} max ${r.receive.maxMs} ms, ${r.deliveredPct}% delivered, ` +
  `server CPU ${r.serverCpuMs} ms (${r.serverCpuSPerMillion} CPU-s per million deliveries), load generator ${r.loadCpuPct}% of core 1` +
  (r.closedByServer ? `, ${r.closedByServer} receivers closed by the server` : "");

async function fanout(): Promise<void> {
  const options = { members: MEMBERS, messagesPerS: MESSAGES_PER_S, durationS: DURATION_S };
  console.log(`\nfanout: room of ${MEMBERS} at ${MESSAGES_PER_S} msg/s for ${DURATION_S} s, ${ROUNDS} rounds of one node then four`);
  // The reference, as scenario 8 takes it: one node with the embedded store in a fresh folder.
  const dataDir = mkdtempSync(path.join(tmpdir(), "livechat-bench-"));
  const single = await ServerHandle.start("livechat", { env: { ...BENCH_ENV, DATA_DIR: dataDir } });
  try {
    await withNodes(async (nodes) => {
      const added: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const one = await runFanout(single, options);
        console.log(line(`  round ${round}, one node  `, one));
        const four = await runFanout(nodes[0]!, { ...options, extraServers: nodes.slice(1) });
        console.log(line(`  round ${round}, four nodes`, four));
        added.push(Math.round((four.receive.p99Ms - one.receive.p99Ms) * 100) / 100);
        console.log(`  round ${round}: four nodes add ${added.at(-1)} ms to p99 (${stamp()})`);
      }
      console.log(`fanout: p99 added per round ${added.join(", ")} ms (goal: under 3 ms)`);
    });
  } finally {
    await single.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Starts a process that holds one node's share of the idle sockets; resolves once they are joined. */
async function holdSockets(request: HoldRequest): Promise<{ held: number; release: () => void }> {
  const holder = fork(path.join(import.meta.dirname, "idle-holder.ts"), { execArgv: ["--import", "tsx"], stdio: "inherit" });
  holder.send(request);
  const answer = await new Promise<HolderReply>((resolve, reject) => {
    holder.once("message", resolve);
    holder.once("exit", (code) => reject(new Error(`an idle-socket holder exited with code ${code}`)));
  });
  holder.removeAllListeners("exit");
  if (answer.type === "failed") throw new Error(`an idle-socket holder failed: ${answer.message}`);
  return { held: answer.held, release: () => holder.send("close") };
}

/**
 * A ping a minute in the idle run, not every 5 s: at 50,000 sockets the product's pings
 * (10,000 a second, each write paying for the holder's read over loopback) filled both
 * cores and stalled the joins. A socket holds the same ping timers at any interval.
 */
const IDLE_PING_INTERVAL_MS = 60_000;

/**
 * Under load V8 grows a node's young generation (to 32 MB here) and leaves its old space
 * loosely packed; a minute or so after the load stops, its memory reducer may shrink
 * both. Each reading is taken after this quiet spell.
 */
const QUIET_MS = Number(process.env.QUIET_MS ?? 60_000);

type Memory = { heapUsed: number; rss: number };

/** Memory per socket over the four nodes between two readings, each node's line then the total. */
function perSocket(label: string, from: Memory[], to: Memory[], added: number[]): void {
  let rss = 0;
  let heap = 0;
  for (const [i, node] of to.entries()) {
    const kb = (bytes: number) => (bytes / added[i]! / 1024).toFixed(1);
    console.log(`  ${label}, node-${i + 1}: ${added[i]} sockets, RSS ${(node.rss / 2 ** 20).toFixed(0)} MB, per socket RSS ${kb(node.rss - from[i]!.rss)} KB, heap ${kb(node.heapUsed - from[i]!.heapUsed)} KB`);
    rss += node.rss - from[i]!.rss;
    heap += node.heapUsed - from[i]!.heapUsed;
  }
  const sockets = added.reduce((sum, n) => sum + n, 0);
  console.log(`idle, ${label}: per socket over the four nodes RSS ${(rss / sockets / 1024).toFixed(1)} KB, heap ${(heap / sockets / 1024).toFixed(1)} KB (goal: RSS under 18 KB); ${stamp()}`);
}

/**
 * SOCKETS in two halves, each after a quiet spell: all of them against the fresh nodes
 * (what the goal asks), and the second half against the first (what one more socket
 * costs, with what a node grows once under load, such as its young generation, in both).
 */
async function idle(): Promise<void> {
  const sockets = Number(process.env.SOCKETS ?? 50_000);
  const half = Math.floor(sockets / 2);
  // One holder process per node and half (this machine lets a process open 20,000 descriptors).
  console.log(`\nidle: ${sockets} authenticated sockets over ${NODES} nodes, ten per room, socket i on node i mod ${NODES}, in two halves`);
  await withNodes(async (nodes) => {
    // Memory, not time: four nodes on one core could not take 50,000 handshakes within the clients' timeout.
    for (const pid of [process.pid, ...nodes.map((node) => node.pid)]) unpin(pid);
    const cookie = await registerUser(nodes[0]!.url, `idle${process.pid}`);
    const readQuiet = async () => {
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      return Promise.all(nodes.map((node) => node.memory()));
    };
    const fresh = await readQuiet();
    const holders: Awaited<ReturnType<typeof holdSockets>>[] = [];
    try {
      const hold = async (from: number, to: number) => {
        const began = Date.now();
        const step = await Promise.all(nodes.map((node, i) => holdSockets({ url: node.url, first: from + i, step: NODES, total: to, cookie })));
        holders.push(...step);
        console.log(`  sockets ${from} to ${to - 1} connected and joined in ${((Date.now() - began) / 1000).toFixed(1)} s`);
        return step.map((holder) => holder.held);
      };
      const first = await hold(0, half);
      const middle = await readQuiet();
      const second = await hold(half, sockets);
      const full = await readQuiet();
      perSocket(`all ${sockets} against the fresh nodes`, fresh, full, first.map((n, i) => n + second[i]!));
      perSocket(`the second ${sockets - half} against the first`, middle, full, second);
    } finally {
      for (const holder of holders) holder.release();
    }
  }, { pingIntervalMs: IDLE_PING_INTERVAL_MS });
}

/** CPU time (ms) nginx's processes have used: the master and its workers, from /proc. */
function nginxCpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}

async function nginx(): Promise<void> {
  const options = { members: MEMBERS, messagesPerS: MESSAGES_PER_S, durationS: DURATION_S };
  console.log(`\nnginx: room of ${MEMBERS} at ${MESSAGES_PER_S} msg/s for ${DURATION_S} s through nginx in front of ${NODES} nodes, ${ROUNDS} rounds`);
  await withNodes(async (nodes) => {
    const dir = mkdtempSync(path.join(tmpdir(), "livechat-nginx-bench-"));
    const balancer = await startNginx({ dir, port: await freePort(), upstreams: nodes.map((node) => `127.0.0.1:${node.port}`) });
    try {
      const master = balancer.process.pid!;
      const workers = readFileSync(`/proc/${master}/task/${master}/children`, "utf8").trim().split(" ").map(Number);
      // nginx serves the nodes' side: it takes their core, not the load generator's.
      if (hasTaskset) for (const pid of [master, ...workers]) execFileSync("taskset", ["-a", "-p", "-c", "0", String(pid)], { stdio: "ignore" });
      // One target for the runs: nginx's address, with the four nodes' CPU summed.
      const behind: Target = {
        url: balancer.url,
        startCpu: () => nodes.forEach((node) => node.startCpu()),
        stopCpu: async () => (await Promise.all(nodes.map((node) => node.stopCpu()))).reduce((sum, ms) => sum + ms, 0),
      };
      for (let round = 1; round <= ROUNDS; round++) {
        const nginxFrom = nginxCpuMs([master, ...workers]);
        const direct = await runFanout(nodes[0]!, { ...options, extraServers: nodes.slice(1) });
        console.log(line(`  round ${round}, four nodes direct`, direct));
        const between = nginxCpuMs([master, ...workers]);
        const through = await runFanout(behind, options);
        const nginxMs = nginxCpuMs([master, ...workers]) - between;
        console.log(line(`  round ${round}, through nginx    `, through) + `; nginx CPU ${nginxMs} ms (${between - nginxFrom} ms while idle beside the direct run)`);
        console.log(`  round ${round}: nginx adds ${Math.round((through.receive.p99Ms - direct.receive.p99Ms) * 100) / 100} ms to p99 (${stamp()})`);
      }
    } finally {
      await balancer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

const runs = { fanout, idle, nginx };
for (const mode of chosen) {
  // One failed measurement (a receiver cut off, say) still leaves the others theirs.
  await runs[mode as keyof typeof runs]().catch((error: unknown) => console.log(`${mode} failed: ${(error as Error).stack ?? String(error)}`));
}
console.log(`\ndone: ${stamp()}`);
process.exit(0);
