// Login and registration throttling: the numbers docs/security.md states.
import { afterEach, describe, expect, it, vi } from "vitest";
import { RateLimitedError } from "../errors";
import { AuthThrottle } from "./auth-throttle";
import { Throttle } from "./throttle";

async function refusalOf(run: () => Promise<void>): Promise<RateLimitedError | undefined> {
  try {
    await run();
  } catch (error) {
    if (error instanceof RateLimitedError) return error;
    throw error;
  }
  return undefined;
}

describe("a throttle", () => {
  afterEach(() => void vi.useRealTimers());

  it("allows `limit` events in a window and asks the next one to wait until the window closes", async () => {
    vi.useFakeTimers({ now: 0 });
    const throttle = new Throttle({ limit: 3, windowMs: 1000 });
    for (const at of [0, 100, 200]) {
      vi.setSystemTime(at);
      expect(await throttle.waitMs("k")).toBe(0);
      await throttle.record("k");
    }
    vi.setSystemTime(300);
    expect(await throttle.waitMs("k")).toBe(700);
    vi.advanceTimersByTime(700);
    expect(await throttle.waitMs("k")).toBe(0);
  });

  it("counts each key on its own", async () => {
    const throttle = new Throttle({ limit: 1, windowMs: 1000 });
    await throttle.record("a");
    expect(await throttle.waitMs("a")).toBeGreaterThan(0);
    expect(await throttle.waitMs("b")).toBe(0);
  });
});

describe("login throttling", () => {
  it("answers the 6th failed login in a minute from one address with rate_limited and a wait", async () => {
    const guard = new AuthThrottle();
    for (let i = 0; i < 5; i++) {
      expect(await refusalOf(() => guard.checkLogin("10.0.0.1", `user${i}`))).toBeUndefined();
      await guard.loginFailed("10.0.0.1", `user${i}`);
    }
    const refusal = await refusalOf(() => guard.checkLogin("10.0.0.1", "someone-else"));
    expect(refusal?.code).toBe("rate_limited");
    expect(refusal?.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(refusal?.retryAfterS).toBeLessThanOrEqual(60);
    expect(await refusalOf(() => guard.checkLogin("10.0.0.2", "someone-else"))).toBeUndefined();
  });

  it("answers the 6th failed login against one account from anywhere, in any case, with rate_limited", async () => {
    const guard = new AuthThrottle();
    for (let i = 0; i < 5; i++) await guard.loginFailed(`10.0.0.${i}`, i % 2 ? "Gage" : "gage");
    expect((await refusalOf(() => guard.checkLogin("10.0.0.99", "GAGE")))?.code).toBe("rate_limited");
    expect(await refusalOf(() => guard.checkLogin("10.0.0.99", "kim"))).toBeUndefined();
  });
});

describe("registration throttling", () => {
  it("allows 10 registrations an hour from one address and refuses the 11th", async () => {
    const guard = new AuthThrottle();
    for (let i = 0; i < 10; i++) expect(await refusalOf(() => guard.register("10.0.0.1"))).toBeUndefined();
    const refusal = await refusalOf(() => guard.register("10.0.0.1"));
    expect(refusal?.code).toBe("rate_limited");
    expect(refusal?.retryAfterS).toBeGreaterThan(3500);
    expect(await refusalOf(() => guard.register("10.0.0.2"))).toBeUndefined();
  });
});
