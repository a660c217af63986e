import { describe, expect, it } from "vitest";
import { RateLimitedError } from "../errors";
import { ConnectionLimiter } from "./connection-limiter";

describe("the connection limiter", () => {
  it("admits up to the cap from one address, refuses the next with rate_limited, and admits again once one closes", () => {
    const limiter = new ConnectionLimiter({ perAddress: 3, total: 100 });
    const releases = [1, 2, 3].map(() => limiter.admit("10.0.0.1"));
    expect(() => limiter.admit("10.0.0.1")).toThrow(RateLimitedError);
    expect(() => limiter.admit("10.0.0.1")).toThrow(/at most 3 at once/);
    releases[0]!();
    expect(() => limiter.admit("10.0.0.1")).not.toThrow();
  });

  it("counts each address on its own", () => {
    const limiter = new ConnectionLimiter({ perAddress: 2, total: 100 });
    limiter.admit("10.0.0.1");
    limiter.admit("10.0.0.1");
    expect(() => limiter.admit("10.0.0.1")).toThrow(RateLimitedError);
    expect(() => limiter.admit("10.0.0.2")).not.toThrow();
    expect(limiter.countOf("10.0.0.1")).toBe(2);
    expect(limiter.countOf("10.0.0.2")).toBe(1);
  });

  it("keeps the node's total within its budget, whatever the number of addresses", () => {
    const limiter = new ConnectionLimiter({ perAddress: 0, total: 5 });
    for (let i = 0; i < 5; i += 1) limiter.admit(`10.0.0.${i}`);
    expect(() => limiter.admit("10.0.1.1")).toThrow(/connection limit/);
    expect(limiter.count).toBe(5);
  });

  it("frees a connection once however often its release is called, and forgets an address with nothing open", () => {
    const limiter = new ConnectionLimiter({ perAddress: 2, total: 100 });
    const release = limiter.admit("10.0.0.1");
    limiter.admit("10.0.0.1");
    release();
    release();
    expect(limiter.countOf("10.0.0.1")).toBe(1);
    expect(limiter.count).toBe(1);
    limiter.admit("10.0.0.1");
    expect(() => limiter.admit("10.0.0.1")).toThrow(RateLimitedError);
  });

  it("tells the refused client when to try again", () => {
    const limiter = new ConnectionLimiter({ perAddress: 1, total: 100 });
    limiter.admit("10.0.0.1");
    try {
      limiter.admit("10.0.0.1");
      expect.unreachable();
    } catch (error) {
      expect((error as RateLimitedError).retryAfterS).toBeGreaterThan(0);
    }
  });
});
