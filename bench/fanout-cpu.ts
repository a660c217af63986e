// Server CPU per million deliveries in one room, Livechat against B-sio, measured in
// turns (B-sio, Livechat, B-sio, Livechat, ...) so both see the same minutes of a
// shared machine: the figure of issue 15 item 10 (room of 10 at 2,000 messages/s,
// durability on). Prints each run and the ratio of the medians.
//   node --import tsx bench/fanout-cpu.ts [rounds=3] [members=10] [messagesPerS=2000] [seconds=3]
// With BENCH_CPU_PROF=DIR each server process writes a .cpuprofile there as it exits.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runFanout } from "./fanout";
import { pinLoadGenerator, startHandled } from "./spawn";
import type { ServerKind } from "./servers/types";

const [rounds = 3, members = 10, messagesPerS = 2000, seconds = 3] = process.argv.slice(2, 6).map(Number);
const pinned = pinLoadGenerator();
const dataDir = mkdtempSync(join(tmpdir(), "livechat-fanout-cpu-"));
const kinds: ServerKind[] = ["b-sio", "livechat"];
const servers = await Promise.all(kinds.map((kind) => startHandled(kind, { env: { DATA_DIR: dataDir, MESSAGE_RATE: "0", ...(process.env.BENCH_STORE ? { STORE: process.env.BENCH_STORE } : {}) } })));
const perMillion: Record<string, number[]> = { "b-sio": [], livechat: [] };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  console.log(`room of ${members} at ${messagesPerS} msg/s for ${seconds} s, ${rounds} rounds; load average ${loadavg()[0]!.toFixed(1)}${pinned ? "" : " (not pinned)"}`);
  for (let round = 0; round < rounds; round++) {
    for (const server of servers) {
      const result = await runFanout(server, { members, messagesPerS, durationS: seconds });
      perMillion[server.kind]!.push(result.serverCpuSPerMillion);
      console.log(
        `  ${server.kind}: ${result.serverCpuSPerMillion} CPU-s per million deliveries (server ${result.serverCpuPct}%, load ${result.loadCpuPct}%), ` +
          `p99 ${result.receive.p99Ms} ms, ${result.deliveredPct}% delivered, ${result.avgPushBytes} B a push`,
      );
    }
  }
  const [sio, livechat] = [median(perMillion["b-sio"]!), median(perMillion.livechat!)];
  console.log(`median: B-sio ${sio}, Livechat ${livechat} CPU-s per million deliveries: ${(livechat / sio).toFixed(2)}x; load average ${loadavg()[0]!.toFixed(1)}`);
} finally {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(dataDir, { recursive: true, force: true });
}
