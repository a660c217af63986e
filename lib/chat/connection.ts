// What the service keeps for one connection. Most connections sit idle, so what only
// typing, a guest's read markers and join refusals need is made on first use.
import { RateLimitedError } from "../errors";
import type { SendAllowance } from "../limits/send-limiter";
import { TokenBucket } from "../limits/token-bucket";
import type { ConnectionPort } from "./caller";

/**
 * JOIN_RATE refusals one connection may collect: a page told to slow down waits 3 s
 * before joining again, so a connection that keeps joining past 20 refusals, or 5 a
 * second, is flooding and is cut off. Refusing is cheap, not free: a closed loop of
 * refused joins from one address would otherwise keep the event loop busy.
 */
export const JOIN_REFUSALS = { ratePerSecond: 5, burst: 20 };
/** `typing` from one connection: a few at once, then one a second (the composer sends one every 2 s). */
const TYPING_ALLOWANCE = { ratePerSecond: 1, burst: 3 };

export class Connection {
  /** Set once the service has cut the connection off: the joins it still had in flight are refused. */
  cutOff = false;
  private typingBucket: TokenBucket | undefined;
  private joinRefusals: TokenBucket | undefined;
  private guestReads: Map<string, number> | undefined;

  constructor(
    readonly port: ConnectionPort,
    readonly sends: SendAllowance,
  ) {}

  /** Spends one typing signal, or refuses with `rate_limited`. */
  takeTyping(): void {
    if (!(this.typingBucket ??= new TokenBucket(TYPING_ALLOWANCE)).take()) {
      throw new RateLimitedError(1, "Too many typing signals: at most one a second.");
    }
  }

  /** Counts one JOIN_RATE refusal; false once the connection has had too many. */
  takeJoinRefusal(): boolean {
    return (this.joinRefusals ??= new TokenBucket(JOIN_REFUSALS)).take();
  }

  /** A guest's read markers, kept while the connection lives (an account's are in the store). */
  get reads(): Map<string, number> {
    return (this.guestReads ??= new Map());
  }
}
