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
    row.pass === undefined ? "-" : row.pass ? "pass" : "FAIL",
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((text, i) => text.padEnd(widths[i]!)).join(" | ")} |`;
  const notes = rows.filter((row) => row.note).map((row) => `- ${row.scenario} / ${row.figure}: ${row.note}`);
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...body.map(line), "", ...notes].join("\n");
}

export function writeResults(directory: string, result: object): string {
  mkdirSync(directory, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "-");
  const file = path.join(directory, `${stamp}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
  return file;
}
