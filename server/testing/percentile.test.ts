// The percentile every latency figure of the tests and the bench is given in.
import { describe, expect, it } from "vitest";
import { percentile } from "./percentile";

describe("nearest-rank percentile", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 down to 1, unsorted on purpose

  it("is the value at rank ⌈p·n⌉: p99 of 1..100 is 99, p50 is 50", () => {
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
  });

  it("gives the lower of two values for the median, as nearest rank does", () => {
    expect(percentile([10, 20], 50)).toBe(10);
  });

  it("is the maximum at p100 and the minimum at p0", () => {
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
  });

  it("is always a value that was measured", () => {
    expect([3, 7, 11]).toContain(percentile([11, 3, 7], 95));
  });

  it("is NaN for no values", () => {
    expect(percentile([], 99)).toBeNaN();
  });
});
