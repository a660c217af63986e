// The bench draws what it measures: an SVG chart of p99 push latency against
// deliveries per second for B-ws, B-sio and Livechat, from the saturation scenario's
// runs (every rate it tried), written to docs/ by `npm run bench` and shown in
// docs/performance.md. Plain SVG text, no charting library: the file is reviewed in
// diffs and must come out the same from the same figures.
//
// Run alone on a results file: `node --import tsx bench/chart.ts bench/results/<date>.json`.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface SaturationPoint {
  deliveriesPerS: number;
  p99Ms: number;
  deliveredPct: number;
}

/** What the chart reads of a results file (bench/run.ts writes it). */
export interface ChartSource {
  date: string;
  mode?: string;
  machine?: { nproc?: number; cpu?: string; node?: string };
  details: Record<string, Record<string, unknown>>;
}

export const CHART_FILE = path.join(import.meta.dirname, "..", "docs", "performance-p99.svg");

const SERIES = [
  { kind: "b-ws", label: "B-ws", colour: "#1b9e77" },
  { kind: "b-sio", label: "B-sio", colour: "#d95f02" },
  { kind: "livechat", label: "Livechat", colour: "#7570b3" },
] as const;
/** The bound the saturation scenario holds p99 to. */
const P99_LIMIT_MS = 100;
const WIDTH = 720;
const HEIGHT = 440;
const MARGIN = { left: 70, right: 150, top: 50, bottom: 70 };

/** Each server's points from a results file's saturation details, by rate; undefined when it has none. */
export function saturationPoints(source: ChartSource): { members?: number; series: Map<string, SaturationPoint[]> } | undefined {
  const saturation = source.details.saturation as Record<string, { points?: SaturationPoint[]; members?: number }> | undefined;
  if (!saturation) return undefined;
  const series = new Map<string, SaturationPoint[]>();
  let members: number | undefined;
  for (const { kind } of SERIES) {
    const detail = saturation[kind];
    if (!detail?.points?.length) continue;
    members ??= detail.members;
    series.set(kind, [...detail.points].sort((a, b) => a.deliveriesPerS - b.deliveriesPerS));
  }
  return series.size === 0 ? undefined : { ...(members === undefined ? {} : { members }), series };
}

/** The SVG text of the chart, or undefined when the results hold no saturation points. */
export function saturationChart(source: ChartSource): string | undefined {
  const found = saturationPoints(source);
  if (!found) return undefined;
  const all = [...found.series.values()].flat();
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const xMax = niceCeiling(Math.max(...all.map((p) => p.deliveriesPerS)) * 1.05);
  // p99 spans decades (a few ms to seconds): a log scale, from 1 ms to the next power of ten.
  const yMax = 10 ** Math.max(3, Math.ceil(Math.log10(Math.max(...all.map((p) => p.p99Ms), 1))));
  const x = (value: number) => MARGIN.left + (value / xMax) * plotW;
  const y = (ms: number) => MARGIN.top + plotH - (Math.log10(Math.max(ms, 1)) / Math.log10(yMax)) * plotH;
  const round = (value: number) => Math.round(value * 10) / 10;

  const lines: string[] = [];
  lines.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">p99 push latency against deliveries per second${found.members ? `, a room of ${found.members.toLocaleString("en")}` : ""}</text>`,
    `<text x="${MARGIN.left}" y="38" fill="#555">${escape(caption(source))}</text>`,
  );
  for (let ms = 1; ms <= yMax; ms *= 10) {
    lines.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${round(y(ms))}" y2="${round(y(ms))}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 8}" y="${round(y(ms)) + 4}" text-anchor="end">${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`,
    );
  }
  for (let i = 0; i <= 5; i++) {
    const value = (xMax / 5) * i;
    lines.push(
      `<line x1="${round(x(value))}" x2="${round(x(value))}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#e5e5e5"/>`,
      `<text x="${round(x(value))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${value >= 1000 ? `${round(value / 1000)}k` : round(value)}</text>`,
    );
  }
  lines.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${round(y(P99_LIMIT_MS))}" y2="${round(y(P99_LIMIT_MS))}" stroke="#c00" stroke-dasharray="6 4"/>`,
    `<text x="${MARGIN.left + plotW - 4}" y="${round(y(P99_LIMIT_MS)) - 5}" text-anchor="end" fill="#c00">the saturation bound: p99 &lt; ${P99_LIMIT_MS} ms</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 28}" text-anchor="middle">deliveries per second (messages/s × members)</text>`,
    `<text x="18" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + plotH / 2})">p99 from send to receipt (log scale)</text>`,
  );
  SERIES.forEach(({ kind, label, colour }, i) => {
    const points = found.series.get(kind);
    const legendY = MARGIN.top + 14 + i * 20;
    lines.push(
      `<line x1="${WIDTH - MARGIN.right + 16}" x2="${WIDTH - MARGIN.right + 40}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${WIDTH - MARGIN.right + 46}" y="${legendY}">${label}${points ? "" : " (not run)"}</text>`,
    );
    if (!points) return;
    lines.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map((p) => `${round(x(p.deliveriesPerS))},${round(y(p.p99Ms))}`).join(" ")}"/>`,
    );
    for (const p of points) {
      // A hollow mark: some messages never arrived at that rate.
      const fill = p.deliveredPct === 100 ? colour : "#ffffff";
      lines.push(
        `<circle cx="${round(x(p.deliveriesPerS))}" cy="${round(y(p.p99Ms))}" r="4" fill="${fill}" stroke="${colour}" stroke-width="1.5"><title>${label}: ${p.deliveriesPerS} deliveries/s, p99 ${p.p99Ms} ms, ${p.deliveredPct}% delivered</title></circle>`,
      );
    }
  });
  lines.push(
    `<text x="${WIDTH - MARGIN.right + 16}" y="${MARGIN.top + 84}" fill="#555">hollow: not every</text>`,
    `<text x="${WIDTH - MARGIN.right + 16}" y="${MARGIN.top + 98}" fill="#555">message delivered</text>`,
    "</svg>",
  );
  return `${lines.join("\n")}\n`;
}

/** Writes the chart of `source` to `file`; false when the results hold no saturation points. */
export function writeSaturationChart(source: ChartSource, file = CHART_FILE): boolean {
  const svg = saturationChart(source);
  if (svg === undefined) return false;
  writeFileSync(file, svg);
  return true;
}

function caption(source: ChartSource): string {
  const machine = source.machine ? `, ${source.machine.nproc ?? "?"} × ${source.machine.cpu ?? "?"}, Node ${source.machine.node ?? "?"}` : "";
  return `npm run bench${source.mode === "quick" ? " --quick" : ""}, ${source.date.slice(0, 16).replace("T", " ")} UTC${machine}`;
}

/** 1, 2 or 5 times a power of ten, at least `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return ([1, 2, 5, 10].map((step) => step * power).find((candidate) => candidate >= value) ?? 10 * power);
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const file = process.argv[2];
  if (!file) {
    console.error("Usage: node --import tsx bench/chart.ts bench/results/<date>.json");
    process.exit(2);
  }
  const source = JSON.parse(readFileSync(file, "utf8")) as ChartSource;
  if (!writeSaturationChart(source)) {
    console.error(`${file} holds no saturation points (run the saturation scenario: npm run bench -- --only saturation).`);
    process.exit(1);
  }
  console.log(`Wrote ${path.relative(process.cwd(), CHART_FILE)}.`);
}
