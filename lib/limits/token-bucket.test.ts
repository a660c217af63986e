import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket";

function bucketAt(ratePerSecond: number, burst: number) {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSecond, burst }, () => now);
  return { bucket, advance: (ms: number) => void (now += ms) };
}

const takeAll = (bucket: TokenBucket, tries: number) => Array.from({ length: tries }, () => bucket.take()).filter(Boolean).length;

describe("token bucket", () => {
  it("allows a burst at once, then refuses", () => {
    const { bucket } = bucketAt(10, 20);
    expect(takeAll(bucket, 25)).toBe(20);
  });

  it("refills at the sustained rate and never beyond the burst", () => {
    const { bucket, advance } = bucketAt(10, 20);
    takeAll(bucket, 20);
    advance(1000);
    expect(takeAll(bucket, 50)).toBe(10);
    advance(60_000);
    expect(takeAll(bucket, 50)).toBe(20);
  });

  it("says how long until the next token", () => {
    const { bucket, advance } = bucketAt(10, 1);
    expect(bucket.waitMs()).toBe(0);
    bucket.take();
    expect(bucket.waitMs()).toBe(100);
    advance(40);
    expect(bucket.waitMs()).toBe(60);
  });
});
