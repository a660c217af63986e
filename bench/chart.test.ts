// The chart `npm run bench` draws into docs/: one line per server through every rate
// the saturation scenario tried, and nothing when that scenario did not run.
import { describe, expect, it } from "vitest";
import { saturationChart, type ChartSource } from "./chart";

const source = (saturation?: Record<string, unknown>): ChartSource => ({
  date: "2026-11-30T19:00:00.000Z",
  mode: "full",
  machine: { nproc: 2, cpu: "AMD EPYC", node: "v20.20.2" },
  details: saturation ? { saturation } : { fanout: {} },
});

const run = (points: [number, number, number][]) => ({
  members: 1000,
  points: points.map(([deliveriesPerS, p99Ms, deliveredPct]) => ({ deliveriesPerS, p99Ms, deliveredPct })),
});

describe("the saturation chart", () => {
  it("draws p99 against deliveries/s for B-ws, B-sio and Livechat, a hollow mark where messages were lost", () => {
    const svg = saturationChart(
      source({
        "b-ws": run([[10_000, 8, 100], [20_000, 15, 100]]),
        "b-sio": run([[20_000, 18, 100], [10_000, 9, 100]]),
        livechat: run([[10_000, 10, 100], [20_000, 140, 97]]),
      }),
    )!;
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("a room of 1,000");
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    for (const label of ["B-ws", "B-sio", "Livechat"]) expect(svg).toContain(`>${label}<`);
    expect(svg).toContain("<title>Livechat: 20000 deliveries/s, p99 140 ms, 97% delivered</title>");
    expect(svg).toMatch(/fill="#ffffff" stroke="#7570b3"[^>]*><title>Livechat: 20000/);
    // The same figures, the same file: diffs of docs/ show only what the bench changed.
    expect(saturationChart(source({ livechat: run([[10_000, 10, 100]]) }))).toBe(saturationChart(source({ livechat: run([[10_000, 10, 100]]) })));
  });

  it("draws nothing from results without the saturation scenario's rates", () => {
    expect(saturationChart(source())).toBeUndefined();
    expect(saturationChart(source({ livechat: { best: { deliveriesPerS: 40_000 } } }))).toBeUndefined();
  });
});
