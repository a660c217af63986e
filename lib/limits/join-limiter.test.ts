import { describe, expect, it } from "vitest";
import { RateLimitedError } from "../errors";
import { JoinLimiter } from "./join-limiter";

describe("the join limiter", () => {
  it("lets one address join its burst at once and refuses the next with rate_limited and a wait", async () => {
    const limiter = new JoinLimiter({ ratePerSecond: 1, burst: 5 });
    for (let i = 0; i < 5; i += 1) await limiter.take("10.0.0.1");
    let refusal: unknown;
    try {
      await limiter.take("10.0.0.1");
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(RateLimitedError);
    expect((refusal as RateLimitedError).retryAfterS).toBeGreaterThanOrEqual(1);
    expect((refusal as RateLimitedError).message).toMatch(/at most 1 a second \(5 at once\)/);
  });

  it("gives every address its own allowance", async () => {
    const limiter = new JoinLimiter({ ratePerSecond: 1, burst: 2 });
    await limiter.take("10.0.0.1");
    await limiter.take("10.0.0.1");
    await expect(limiter.take("10.0.0.1")).rejects.toThrow(RateLimitedError);
    await expect(limiter.take("10.0.0.2")).resolves.toBeUndefined();
  });

  it("is off at a rate of 0", async () => {
    const limiter = new JoinLimiter({ ratePerSecond: 0, burst: 1 });
    for (let i = 0; i < 1_000; i += 1) await limiter.take("10.0.0.1");
  });

  it("once an address is refused, knows its refusal at once until the window closes, and only for that address", async () => {
    const limiter = new JoinLimiter({ ratePerSecond: 1, burst: 1 });
    expect(limiter.refusal("10.0.0.1")).toBeUndefined();
    await limiter.take("10.0.0.1");
    await expect(limiter.take("10.0.0.1")).rejects.toThrow(RateLimitedError);
    const refusal = limiter.refusal("10.0.0.1");
    expect(refusal).toBeInstanceOf(RateLimitedError);
    expect(refusal?.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(limiter.refusal("10.0.0.2")).toBeUndefined();
  });
});
