// The process's file-descriptor budget. Every socket, SSE stream, store file and Redis
// connection is a descriptor; once the soft RLIMIT_NOFILE is reached, new connections
// from anyone are reset. Node raises the soft limit to the hard limit itself at start-up
// (node.cc, PlatformInit), so what is left is to read it and keep long-lived connections
// under it with headroom: short requests, health checks and the store go on near it.
import { readFileSync } from "node:fs";

/** Assumed where /proc cannot be read (macOS, Windows); MAX_CONNECTIONS overrides the result. */
const ASSUMED_OPEN_FILES = 4_096;
/** Descriptors kept out of the connection budget: at least this many... */
const MIN_RESERVE = 256;
/** ...or this share of the limit, whichever is more. */
const RESERVE_SHARE = 0.1;

export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/** The "Max open files" row of /proc/<pid>/limits (Linux); `Infinity` for unlimited. */
export function readOpenFileLimit(pid: number | "self" = "self"): OpenFileLimit | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, "utf8");
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!match) return undefined;
  const value = (raw: string) => (raw === "unlimited" ? Number.POSITIVE_INFINITY : Number(raw));
  return { soft: value(match[1]!), hard: value(match[2]!) };
}

/** Long-lived connections and streams this node admits at once, given its soft limit. */
export function connectionBudget(softLimit: number | undefined): number {
  const limit = softLimit === undefined || !Number.isFinite(softLimit) ? ASSUMED_OPEN_FILES : softLimit;
  return Math.max(1, limit - Math.max(MIN_RESERVE, Math.ceil(limit * RESERVE_SHARE)));
}
