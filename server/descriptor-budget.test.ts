// The descriptor budget: what the process may open, and how much of it long-lived
// connections may take. Linux only (it reads /proc).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { connectionBudget, readOpenFileLimit } from "./descriptor-budget";

describe("the descriptor budget", () => {
  it("reads this process's open-file limit", () => {
    const limit = readOpenFileLimit();
    expect(limit?.soft).toBeGreaterThan(0);
    expect(limit!.hard).toBeGreaterThanOrEqual(limit!.soft);
  });

  it("starts Node with its soft limit raised to the hard limit, so the budget is sized on the hard limit", () => {
    // A shell started with soft 1024 / hard 4096, as many distributions start services.
    const printed = execFileSync(
      "prlimit",
      ["--nofile=1024:4096", process.execPath, "-e", "process.stdout.write(require('fs').readFileSync('/proc/self/limits', 'utf8'))"],
      { encoding: "utf8" },
    );
    expect(/^Max open files\s+(\d+)\s+(\d+)/m.exec(printed)?.slice(1)).toEqual(["4096", "4096"]);
  });

  it("keeps a tenth of the limit, and at least 256 descriptors, for everything but long-lived connections", () => {
    expect(connectionBudget(20_000)).toBe(18_000);
    expect(connectionBudget(1_024)).toBe(768);
    expect(connectionBudget(Number.POSITIVE_INFINITY)).toBe(connectionBudget(undefined));
    expect(connectionBudget(undefined)).toBeGreaterThan(0);
  });
});
