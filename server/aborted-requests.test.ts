// A client that goes away in the middle of its request body is not a server error:
// it is counted in metrics and logged at debug, and the log cannot be flooded with it.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLogger, DEFAULT_REPEAT_LIMIT } from "../lib/logger";
import { startTestServer, type TestServer } from "./testing/test-server";

const lines: Array<{ level: string; msg: string }> = [];
let app: TestServer;

beforeAll(async () => {
  const logger = createLogger({}, "debug", { write: (line: string) => void lines.push(JSON.parse(line) as { level: string; msg: string }) });
  app = await startTestServer({}, { logger });
});
afterAll(async () => {
  await app.close();
});

/** Sends the headers and half of a declared body, then resets the connection. */
function abortHalfway(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(
        "POST /api/rooms/aborts/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n" +
          '{"content":"half',
        () => setTimeout(() => socket.resetAndDestroy(), 20),
      );
    });
    socket.on("close", () => resolve());
    socket.on("error", reject);
  });
}

async function abortedTotal(): Promise<number> {
  const text = await (await app.request("/api/metrics")).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith("livechat_requests_aborted_total{"));
  return Number(line?.slice(line.lastIndexOf(" ") + 1) ?? Number.NaN);
}

describe("request bodies the client abandons", () => {
  // Guards issue 16: aborting 2,000 half-sent bodies wrote 2,000 error-level lines in 1.8 s.
  it("are counted in metrics, logged at debug within the repeat limit, and never at error level", async () => {
    const port = Number(new URL(app.url).port);
    const aborts = 300;
    const before = lines.length;
    for (let batch = 0; batch < aborts; batch += 50) {
      await Promise.all(Array.from({ length: 50 }, () => abortHalfway(port)));
    }
    await vi.waitFor(async () => expect(await abortedTotal()).toBe(aborts), { timeout: 10_000 });

    const written = lines.slice(before);
    expect(written.filter((line) => line.level === "error" || line.level === "warn")).toEqual([]);
    const debugLines = written.filter((line) => line.msg === "request aborted by the client");
    expect(debugLines.length).toBeGreaterThan(0);
    expect(debugLines.length).toBeLessThanOrEqual(DEFAULT_REPEAT_LIMIT.lines);
    expect((await app.request("/api/health")).status).toBe(200);
  });
});
