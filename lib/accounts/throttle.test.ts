// Login and registration throttling: the numbers docs/security.md states.
import { describe, expect, it } from "vitest";
import { RateLimitedError } from "../errors";
import { AuthThrottle } from "./auth-throttle";
import { Throttle } from "./throttle";

function refusalOf(run: () => void): RateLimitedError | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof RateLimitedError) return error;
    throw error;
  }
  return undefined;
}

describe("a sliding-window throttle", () => {
  it("allows `limit` events in a window and asks the next one to wait until the oldest leaves it", () => {
    const throttle = new Throttle({ limit: 3, windowMs: 1000 });
    for (const at of [0, 100, 200]) {
      expect(throttle.waitMs("k", at)).toBe(0);
      throttle.record("k", at);
    }
    expect(throttle.waitMs("k", 300)).toBe(700);
    expect(throttle.waitMs("k", 1000)).toBe(0);
  });

  it("counts each key on its own", () => {
    const throttle = new Throttle({ limit: 1, windowMs: 1000 });
    throttle.record("a", 0);
    expect(throttle.waitMs("a", 1)).toBeGreaterThan(0);
    expect(throttle.waitMs("b", 1)).toBe(0);
  });
});

describe("login throttling", () => {
  it("answers the 6th failed login in a minute from one address with rate_limited and a wait", () => {
    const guard = new AuthThrottle();
    for (let i = 0; i < 5; i++) {
      expect(refusalOf(() => guard.checkLogin("10.0.0.1", `user${i}`))).toBeUndefined();
      guard.loginFailed("10.0.0.1", `user${i}`);
    }
    const refusal = refusalOf(() => guard.checkLogin("10.0.0.1", "someone-else"));
    expect(refusal?.code).toBe("rate_limited");
    expect(refusal?.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(refusal?.retryAfterS).toBeLessThanOrEqual(60);
    expect(refusalOf(() => guard.checkLogin("10.0.0.2", "someone-else"))).toBeUndefined();
  });

  it("answers the 6th failed login against one account from anywhere, in any case, with rate_limited", () => {
    const guard = new AuthThrottle();
    for (let i = 0; i < 5; i++) guard.loginFailed(`10.0.0.${i}`, i % 2 ? "Gage" : "gage");
    expect(refusalOf(() => guard.checkLogin("10.0.0.99", "GAGE"))?.code).toBe("rate_limited");
    expect(refusalOf(() => guard.checkLogin("10.0.0.99", "kim"))).toBeUndefined();
  });
});

describe("registration throttling", () => {
  it("allows 10 registrations an hour from one address and refuses the 11th", () => {
    const guard = new AuthThrottle();
    for (let i = 0; i < 10; i++) expect(refusalOf(() => guard.register("10.0.0.1"))).toBeUndefined();
    const refusal = refusalOf(() => guard.register("10.0.0.1"));
    expect(refusal?.code).toBe("rate_limited");
    expect(refusal?.retryAfterS).toBeGreaterThan(3500);
    expect(refusalOf(() => guard.register("10.0.0.2"))).toBeUndefined();
  });
});
