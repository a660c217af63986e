// `npm run bench [-- --quick] [-- --only NAME[,NAME]]`: runs the scenarios, prints
// the table and writes bench/results/<date>.json.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { CHART_FILE, writeSaturationChart } from "./chart";
import { formatTable, writeResults, type Row } from "./report";
import type { Context, Scenario } from "./scenario";
import { awareness } from "./scenarios/awareness";
import { cluster } from "./scenarios/cluster";
import { conversation } from "./scenarios/conversation";
import { fanout } from "./scenarios/fanout";
import { fullList } from "./scenarios/full-list";
import { http } from "./scenarios/http";
import { idle } from "./scenarios/idle";
import { join } from "./scenarios/join";
import { loginScenario } from "./scenarios/login";
import { realistic } from "./scenarios/realistic";
import { saturation } from "./scenarios/saturation";
import { hasTaskset, pinLoadGenerator } from "./spawn";

const SCENARIOS: Scenario[] = [idle, fanout, saturation, realistic, join, loginScenario, http, cluster, fullList, awareness, conversation];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split(",") : undefined;
const unknown = only?.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
if (unknown?.length) {
  console.error(`Unknown scenario ${unknown.join(", ")}; choose from ${SCENARIOS.map((s) => s.name).join(", ")}.`);
  process.exit(2);
}

const pinned = pinLoadGenerator();
const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  node: process.version,
  pinned: pinned ? "server on core 0, load generator on core 1 (taskset)" : "not pinned: taskset is missing",
};
console.log(`Livechat bench (${quick ? "quick" : "full"}) on ${machine.nproc} x ${machine.cpu}, Node ${machine.node}; ${machine.pinned}`);
if (!hasTaskset) console.log("taskset not found (util-linux): server and load generator share cores.");

const rows: Row[] = [];
const details: Record<string, Record<string, unknown>> = {};
const startedAt = Date.now();
for (const scenario of SCENARIOS.filter((s) => !only || only.includes(s.name))) {
  const began = Date.now();
  console.log(`\n== ${scenario.title}`);
  details[scenario.name] = {};
  // Durability on: Livechat keeps its files (the SQLite store) in a fresh folder.
  const dataDir = mkdtempSync(path.join(tmpdir(), "livechat-bench-"));
  const context: Context = {
    quick,
    log: (line) => console.log(`   ${line}`),
    detail: (key, value) => void (details[scenario.name]![key] = value),
    // The bench's few senders stand for many people: the per-connection send limit is off.
    livechatEnv: { DATA_DIR: dataDir, MESSAGE_RATE: "0" },
  };
  try {
    rows.push(...(await scenario.run(context)));
  } catch (error) {
    console.log(`   failed: ${(error as Error).stack ?? String(error)}`);
    rows.push({ scenario: scenario.name, figure: "scenario failed", unit: "", target: "", pass: false, note: String(error) });
  }
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`   (${((Date.now() - began) / 1000).toFixed(1)} s)`);
}

console.log(`\n${formatTable(rows)}`);
const result = {
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  durationS: Math.round((Date.now() - startedAt) / 1000),
  machine,
  rows,
  details,
};
const file = writeResults(path.join(import.meta.dirname, "results"), result);
console.log(`\nWrote ${path.relative(process.cwd(), file)} in ${Math.round((Date.now() - startedAt) / 1000)} s.`);
// The chart of p99 against deliveries/s, when the saturation scenario ran (docs/performance.md shows it).
if (writeSaturationChart(result)) console.log(`Wrote ${path.relative(process.cwd(), CHART_FILE)}.`);
process.exit(0);
