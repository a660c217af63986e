// Log lines as an operator's log shipper reads them: one JSON object per line.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, DEFAULT_REPEAT_LIMIT, type LogLevel, type RepeatLimit } from "./logger";

function capture(level: LogLevel, repeatLimit?: RepeatLimit) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(
    { node: "node-a" },
    level,
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    repeatLimit,
  );
  return { logger, lines };
}

describe("the logger", () => {
  it("writes one JSON line with the level's name, an ISO time, the node, the message and its fields", () => {
    const { logger, lines } = capture("info");
    logger.warn("room worker died", { room: "lobby", restarts: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "warn", node: "node-a", msg: "room worker died", room: "lobby", restarts: 1 });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
  });

  it("drops lines below its level", () => {
    const { logger, lines } = capture("warn");
    logger.debug("noise");
    logger.info("still noise");
    logger.error("kept");
    expect(lines.map((line) => [line.level, line.msg])).toEqual([["error", "kept"]]);
  });

  it("writes debug lines when asked for them", () => {
    const { logger, lines } = capture("debug");
    logger.debug("socket connected", { id: "abc" });
    expect(lines).toEqual([expect.objectContaining({ level: "debug", msg: "socket connected", id: "abc" })]);
  });

  it("writes nothing when silent", () => {
    const { logger, lines } = capture("silent");
    logger.error("unheard");
    expect(lines).toEqual([]);
  });
});

describe("repeated lines", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // Guards issue 16: 2,000 aborted request bodies wrote 2,000 error lines in 1.8 s.
  it("writes at most the limit of one kind per window, then one line saying how many were left out", () => {
    vi.useFakeTimers();
    const { logger, lines } = capture("info", { lines: 5, windowMs: 10_000 });
    for (let i = 0; i < 2_000; i += 1) logger.error("API request failed", { path: `/api/${i}` });
    expect(lines).toHaveLength(5);
    expect(lines.map((line) => line.path)).toEqual(["/api/0", "/api/1", "/api/2", "/api/3", "/api/4"]);

    vi.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(6);
    expect(lines[5]).toMatchObject({ level: "error", msg: "API request failed (repeated lines suppressed)", suppressed: 1_995 });

    logger.error("API request failed", { path: "/api/later" });
    expect(lines.at(-1)).toMatchObject({ msg: "API request failed", path: "/api/later" });
  });

  it("limits each kind on its own: a flood of one message leaves others written", () => {
    vi.useFakeTimers();
    const { logger, lines } = capture("info", { lines: 2, windowMs: 1_000 });
    for (let i = 0; i < 100; i += 1) logger.warn("noisy");
    logger.warn("rare");
    logger.error("noisy");
    expect(lines.map((line) => `${line.level} ${line.msg}`)).toEqual(["warn noisy", "warn noisy", "warn rare", "error noisy"]);
  });

  it("writes no summary for a window with nothing left out", () => {
    vi.useFakeTimers();
    const { logger, lines } = capture("info");
    for (let i = 0; i < DEFAULT_REPEAT_LIMIT.lines; i += 1) logger.info("steady");
    vi.advanceTimersByTime(DEFAULT_REPEAT_LIMIT.windowMs * 2);
    expect(lines).toHaveLength(DEFAULT_REPEAT_LIMIT.lines);
  });
});
