// The logging interface the domain is handed, backed by pino: one JSON line per
// event on stdout, at the level LOG_LEVEL names. server/ decides the level and base fields.
import pino, { type DestinationStream } from "pino";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that writes `{ level, time, ...base, msg, ...fields }` lines, to stdout unless told. */
export function createLogger(
  base: Record<string, unknown> = {},
  level: LogLevel = "info",
  destination?: DestinationStream,
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
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}
