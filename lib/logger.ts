// The logging interface the domain is handed, backed by pino: one JSON line per
// event on stdout, at the level LOG_LEVEL names. server/ decides the level and base fields.
// Repeated lines of one kind (same level, same message) are rate-limited, so a flood of
// clients cannot turn into a flood of log lines: past the limit they are counted, and one
// line at the end of the window says how many were left out.
import pino, { type DestinationStream } from "pino";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** How many lines of one kind are written per window; the rest are counted, not written. */
export interface RepeatLimit {
  lines: number;
  windowMs: number;
}

/** 20 lines of one kind per 10 s: enough to see a problem and its shape, never a flood. */
export const DEFAULT_REPEAT_LIMIT: RepeatLimit = { lines: 20, windowMs: 10_000 };

type Level = "debug" | "info" | "warn" | "error";

interface Kind {
  windowEnds: number;
  written: number;
  suppressed: number;
}

/** A logger that writes `{ level, time, ...base, msg, ...fields }` lines, to stdout unless told. */
export function createLogger(
  base: Record<string, unknown> = {},
  level: LogLevel = "info",
  destination?: DestinationStream,
  repeatLimit: RepeatLimit = DEFAULT_REPEAT_LIMIT,
): Logger {
  const log = pino(
    {
      level,
      base,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous: lines stay in order and none is lost when the process exits right after.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  // Keyed by level and message; messages are constants in the code (data goes in fields),
  // so the map holds at most one entry per log statement.
  const kinds = new Map<string, Kind>();

  const write = (at: Level, message: string, fields: Record<string, unknown> | undefined): void => {
    if (!log.isLevelEnabled(at)) return;
    const key = `${at} ${message}`;
    const now = Date.now();
    let kind = kinds.get(key);
    if (!kind || now >= kind.windowEnds) {
      kind = { windowEnds: now + repeatLimit.windowMs, written: 0, suppressed: 0 };
      kinds.set(key, kind);
    }
    if (kind.written < repeatLimit.lines) {
      kind.written += 1;
      log[at](fields ?? {}, message);
      return;
    }
    kind.suppressed += 1;
    if (kind.suppressed === 1) {
      const current = kind;
      // One summary per window, when it ends; unref'd so it never keeps the process alive.
      setTimeout(() => {
        log[at]({ suppressed: current.suppressed, windowMs: repeatLimit.windowMs }, `${message} (repeated lines suppressed)`);
        if (kinds.get(key) === current) kinds.delete(key);
      }, Math.max(0, current.windowEnds - now)).unref();
    }
  };

  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}
