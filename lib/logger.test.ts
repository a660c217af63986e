// Log lines as an operator's log shipper reads them: one JSON object per line.
import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel } from "./logger";

function capture(level: LogLevel) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ node: "node-a" }, level, {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
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
