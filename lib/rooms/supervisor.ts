// Restart intensity, as OTP's supervisors have it: a room whose worker dies is
// restarted at once, unless it has crashed more than `maxRestarts` times within
// `withinMs`; then it rests for `coolOffMs` and is started again with a fresh
// allowance. The supervisor decides and logs; the registry starts the workers.
import { ChatError } from "../errors";
import type { Logger } from "../logger";
import type { RoomObserver } from "./observer";

/** OTP's restart intensity: more than `maxRestarts` crashes of one room within `withinMs` rest it for `coolOffMs`. */
export interface RestartIntensity {
  maxRestarts: number;
  withinMs: number;
  coolOffMs: number;
}

/** What production uses: the 6th crash of a room within 10 s rests it for 30 s. */
export const DEFAULT_RESTART_INTENSITY: RestartIntensity = { maxRestarts: 5, withinMs: 10_000, coolOffMs: 30_000 };

export interface SupervisorOptions {
  intensity: RestartIntensity;
  logger: Logger;
  observer?: RoomObserver;
  /** Starts the room's worker again. */
  restart: (room: string) => Promise<unknown>;
}

export class Supervisor {
  private readonly options: SupervisorOptions;
  /** Recent crash times per room. */
  private readonly crashes = new Map<string, number[]>();
  /** Rooms that crashed too often: not restarted until their timer fires. */
  private readonly resting = new Map<string, { until: number; crashes: number; timer: NodeJS.Timeout }>();
  private restartCount = 0;
  private closed = false;

  constructor(options: SupervisorOptions) {
    this.options = options;
  }

  /** Room restarts since start-up. */
  get restarts(): number {
    return this.restartCount;
  }

  isResting(room: string): boolean {
    return this.resting.has(room);
  }

  /** The refusal a resting room's operations get, saying when it is tried again; undefined when it is not resting. */
  refusal(room: string): ChatError | undefined {
    const resting = this.resting.get(room);
    if (!resting) return undefined;
    const seconds = Math.max(1, Math.ceil((resting.until - Date.now()) / 1000));
    return new ChatError(
      "room_unavailable",
      `Room "${room}" crashed ${resting.crashes} times within ${this.options.intensity.withinMs / 1000} s and is resting; it will be tried again in ${seconds} s.`,
    );
  }

  /** A worker died: restarts it, or rests the room if it crashes too often. */
  died(room: string, reason: unknown): void {
    if (this.closed) return;
    if (this.tooManyCrashes(room)) return this.rest(room, reason);
    this.restartCount += 1;
    this.options.observer?.roomRestarted(room);
    this.options.logger.warn("room worker died; restarting it from the store", {
      room,
      reason: describe(reason),
      restarts: this.restartCount,
    });
    this.options.restart(room).catch((error: unknown) => {
      this.options.logger.error("room worker could not restart", { room, error: String(error) });
    });
  }

  /** Forgets crashes older than the intensity's window. */
  sweep(): void {
    const now = Date.now();
    for (const [room, times] of this.crashes) {
      if ((times.at(-1) ?? 0) <= now - this.options.intensity.withinMs) this.crashes.delete(room);
    }
  }

  close(): void {
    this.closed = true;
    for (const { timer } of this.resting.values()) clearTimeout(timer);
    this.resting.clear();
  }

  /** Notes a crash and says whether the room has now crashed more often than the intensity allows. */
  private tooManyCrashes(room: string): boolean {
    const now = Date.now();
    const recent = (this.crashes.get(room) ?? []).filter((at) => at > now - this.options.intensity.withinMs);
    recent.push(now);
    this.crashes.set(room, recent);
    return recent.length > this.options.intensity.maxRestarts;
  }

  private rest(room: string, reason: unknown): void {
    const crashes = this.crashes.get(room)?.length ?? 0;
    this.crashes.delete(room);
    const { withinMs, coolOffMs } = this.options.intensity;
    this.options.logger.error("room worker crashes too often; it is not restarted until the cool-off ends", {
      room,
      crashes,
      withinSeconds: withinMs / 1000,
      coolOffSeconds: coolOffMs / 1000,
      reason: describe(reason),
    });
    const timer = setTimeout(() => {
      this.resting.delete(room);
      if (this.closed) return;
      this.options.logger.warn("room worker cool-off over; starting it again", { room });
      this.options.restart(room).catch((error: unknown) => {
        this.options.logger.error("room worker could not restart after its cool-off", { room, error: String(error) });
      });
    }, coolOffMs);
    timer.unref();
    this.resting.set(room, { until: Date.now() + coolOffMs, crashes, timer });
  }
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
