// Leaves of connections that closed: recorded after a short grace, and retried until
// they are. A page that drops and comes back within the grace (a reconnect) holds the
// room through its new connection, so its old connection's leave changes nothing: no
// notice, no presence push, however many pages come back at once. A leave that fails
// (a room restarting or resting, the shared presence out of reach) is tried again,
// so presence converges to the connections that are open whatever failed in between.
import type { Logger } from "../logger";
import { createTurnPacer, type TurnPacer } from "../turn-pacer";

export interface DeparturesOptions {
  /** Records that a connection left a room; a rejection is retried. */
  leave: (room: string, connectionId: string) => Promise<void>;
  /** How long after its connection closes a person leaves the room. */
  graceMs: number;
  /** The first retry of a failed leave comes this long after; each later one twice as long, up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
  logger: Logger;
}

/** Long enough to cover a reconnect's first attempt (0.25 to 0.75 s, then a handshake and a join on a busy server), short enough to read as "left". */
export const DEPARTURE_GRACE_MS = 2_000;
export const DEPARTURE_RETRY_MS = 250;
export const DEPARTURE_MAX_RETRY_MS = 2_000;
/**
 * Leaves recorded per turn of the event loop. Pages dropped together (a network blip)
 * see their grace end together: a thousand leaves, each a notice to its room, were one
 * 360 ms turn in a reconnect storm's CPU profile; 32 are about 10 ms.
 */
const LEAVES_PER_TURN = 32;
/**
 * Graces more a leave waits while the person's reconnect has not rejoined the room yet.
 * A thousand pages back at once are set up a few per turn (lib/turn-pacer.ts), so many
 * rejoin after the first grace: without the wait each was announced as gone and then as
 * back, a notice and a member list to its room twice. A reconnect that never rejoins
 * leaves at most this many graces later.
 */
export const REJOIN_WAITS = 2;

/** Whether the person's newer connection on this node is still on its way into the room. */
export type Rejoining = () => boolean;

interface Departure {
  room: string;
  connectionId: string;
  timer: NodeJS.Timeout | undefined;
  failures: number;
  rejoining: Rejoining | undefined;
  waits: number;
}

export class Departures {
  private readonly options: DeparturesOptions;
  private readonly waiting = new Map<string, Departure>();
  private readonly pace: TurnPacer = createTurnPacer(LEAVES_PER_TURN);
  private closed = false;

  constructor(options: DeparturesOptions) {
    this.options = options;
  }

  /**
   * The connection closed: it leaves the room after the grace, however often that takes;
   * while `rejoining` says the person's reconnect is still coming, for up to REJOIN_WAITS graces more.
   */
  depart(room: string, connectionId: string, rejoining?: Rejoining): void {
    if (this.closed) return;
    const key = `${connectionId}\u0000${room}`;
    if (this.waiting.has(key)) return;
    const departure: Departure = { room, connectionId, failures: 0, timer: undefined, rejoining, waits: 0 };
    this.waiting.set(key, departure);
    this.schedule(key, departure, this.options.graceMs);
  }

  /** Leaves not recorded yet (waiting out the grace, or to be retried). */
  get pending(): number {
    return this.waiting.size;
  }

  /** Records every pending leave now, once each (shutdown: the node's people leave while it can tell others). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const departure of all) clearTimeout(departure.timer);
    await Promise.all(all.map(({ room, connectionId }) => this.options.leave(room, connectionId).catch(() => {})));
  }

  private schedule(key: string, departure: Departure, delayMs: number): void {
    departure.timer = setTimeout(() => this.pace(() => void this.run(key, departure)), delayMs);
    departure.timer.unref();
  }

  private async run(key: string, departure: Departure): Promise<void> {
    if (this.waiting.get(key) !== departure) return;
    if (departure.failures === 0 && departure.waits < REJOIN_WAITS && departure.rejoining?.()) {
      departure.waits += 1;
      return this.schedule(key, departure, this.options.graceMs);
    }
    try {
      await this.options.leave(departure.room, departure.connectionId);
      if (this.waiting.get(key) === departure) this.waiting.delete(key);
    } catch (error) {
      if (this.waiting.get(key) !== departure) return;
      departure.failures += 1;
      const { retryMs, maxRetryMs, logger } = this.options;
      const delay = Math.min(maxRetryMs, retryMs * 2 ** (departure.failures - 1));
      logger.warn("could not record a leave; trying again", {
        room: departure.room,
        failures: departure.failures,
        retryInMs: delay,
        error: String(error),
      });
      this.schedule(key, departure, delay);
    }
  }
}
