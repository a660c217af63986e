// Throttling of logins and registrations, so passwords cannot be guessed at speed
// and accounts cannot be mass-created. Failed logins count per IP address and per
// account (from anywhere); registrations count per IP address. With nodes sharing a
// Redis the counts are the cluster's (lib/limits/counters.ts): a balancer spreading
// attempts over N nodes gives nobody N times the attempts.
import { RateLimitedError } from "../errors";
import { LimitCounters } from "../limits/counters";
import { Throttle, type ThrottleRule } from "./throttle";

export interface AuthLimits {
  /** Failed logins from one IP address: the next one within the window gets 429. */
  loginFailuresPerIp: ThrottleRule;
  /** Failed logins against one account from anywhere. */
  loginFailuresPerAccount: ThrottleRule;
  /** Registration attempts from one IP address. */
  registrationsPerIp: ThrottleRule;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export const AUTH_LIMITS: AuthLimits = {
  loginFailuresPerIp: { limit: 5, windowMs: MINUTE_MS },
  loginFailuresPerAccount: { limit: 5, windowMs: MINUTE_MS },
  registrationsPerIp: { limit: 10, windowMs: HOUR_MS },
};

export class AuthThrottle {
  private readonly loginByIp: Throttle;
  private readonly loginByAccount: Throttle;
  private readonly registerByIp: Throttle;

  constructor(limits: AuthLimits = AUTH_LIMITS, counters = new LimitCounters()) {
    this.loginByIp = new Throttle(limits.loginFailuresPerIp, "login-ip", counters);
    this.loginByAccount = new Throttle(limits.loginFailuresPerAccount, "login-account", counters);
    this.registerByIp = new Throttle(limits.registrationsPerIp, "register-ip", counters);
  }

  /** Throws rate_limited while this address or this account has failed too often. */
  async checkLogin(ip: string, username: string): Promise<void> {
    const waits = await Promise.all([this.loginByIp.waitMs(ip), this.loginByAccount.waitMs(username.toLowerCase())]);
    const wait = Math.max(...waits);
    if (wait > 0) throw refusal(wait, "Too many failed logins; wait a little and try again.");
  }

  async loginFailed(ip: string, username: string): Promise<void> {
    await Promise.all([this.loginByIp.record(ip), this.loginByAccount.record(username.toLowerCase())]);
  }

  /** Counts a registration attempt, or throws rate_limited past the address's allowance. */
  async register(ip: string): Promise<void> {
    const wait = await this.registerByIp.attempt(ip);
    if (wait > 0) throw refusal(wait, "Too many registrations from this address; try again later.");
  }
}

function refusal(waitMs: number, message: string): RateLimitedError {
  return new RateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)), message);
}
