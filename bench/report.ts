// The bench's result rows, the printed table and the JSON file of a run.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface Row {
  scenario: string;
  figure: string;
  unit: string;
  bws?: number;
  bsio?: number;
  livechat?: number;
  /** livechat / B-sio (or the scenario's own reference, named in `note`). */
  ratio?: number;
  target: string;
  /** undefined: no target for this figure, or it could not be measured. */
  pass?: boolean;
  note?: string;
  /** The busiest load generator behind the row's figures, in % of its one core (undefined: not measured). */
  loadCpuPct?: number;
}

/**
 * Above this share of its core the load generator, not the server, sets the pace:
 * such a row measured the harness. The table marks it and gives it no pass or FAIL.
 */
export const LOAD_CPU_CEILING_PCT = 70;

/** The busiest of the load generators behind a row's figures (runs that did not happen count for nothing). */
export function busiestLoad(...runs: ({ loadCpuPct?: number } | undefined)[]): number | undefined {
  const shares = runs.flatMap((run) => (run?.loadCpuPct === undefined ? [] : [run.loadCpuPct]));
  return shares.length === 0 ? undefined : Math.max(...shares);
}

export function measuredHarness(row: Row): boolean {
  return row.loadCpuPct !== undefined && row.loadCpuPct > LOAD_CPU_CEILING_PCT;
}

export function ratio(livechat: number | undefined, reference: number | undefined): number | undefined {
  if (livechat === undefined || reference === undefined || reference === 0) return undefined;
  if (!Number.isFinite(livechat) || !Number.isFinite(reference)) return undefined;
  return Math.round((livechat / reference) * 100) / 100;
}

function cell(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "-";
  if (value === Infinity) return "never";
  if (Math.abs(value) >= 100) return String(Math.round(value));
  return String(Math.round(value * 100) / 100);
}

export function formatTable(rows: Row[]): string {
  const header = ["scenario", "figure", "unit", "B-ws", "B-sio", "Livechat", "ratio", "target", "pass"];
  const body = rows.map((row) => [
    row.scenario,
    row.figure,
    row.unit,
    cell(row.bws),
    cell(row.bsio),
    cell(row.livechat),
    row.ratio === undefined ? "-" : `${cell(row.ratio)}x`,
    row.target,
    measuredHarness(row) ? `harness (load ${row.loadCpuPct}%)` : row.pass === undefined ? "-" : row.pass ? "pass" : "FAIL",
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((text, i) => text.padEnd(widths[i]!)).join(" | ")} |`;
  const notes = rows.flatMap((row) => [
    ...(measuredHarness(row)
      ? [`- ${row.scenario} / ${row.figure}: the load generator used ${row.loadCpuPct}% of its core (over ${LOAD_CPU_CEILING_PCT}%): this row measured the harness, not the server`]
      : []),
    ...(row.note ? [`- ${row.scenario} / ${row.figure}: ${row.note}`] : []),
  ]);
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...body.map(line), "", ...notes].join("\n");
}

export function writeResults(directory: string, result: object): string {
  mkdirSync(directory, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "-");
  const file = path.join(directory, `${stamp}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
  return file;
}
