// The logging interface the domain is handed; server/ decides where lines go.
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that prints one JSON line per event, for servers and tests alike. */
export function createLogger(base: Record<string, unknown> = {}, level: "info" | "warn" | "error" | "silent" = "info"): Logger {
  const order = { info: 0, warn: 1, error: 2, silent: 3 } as const;
  const write = (lvl: "info" | "warn" | "error") => (message: string, fields: Record<string, unknown> = {}) => {
    if (order[lvl] < order[level]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: lvl, ...base, msg: message, ...fields });
    (lvl === "info" ? process.stdout : process.stderr).write(line + "\n");
  };
  return { info: write("info"), warn: write("warn"), error: write("error") };
}
