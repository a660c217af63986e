// Scenario 7: the history page route against a bare Node `http` server serving the
// same bytes, and the room page's time to first byte (needs a `next build`).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { BenchClient } from "../client";
import { closedLoop, httpCall } from "../httpload";
import { createHistogram, recordMs, summarize } from "../histogram";
import { DeliveryTracker, prefill } from "../load";
import { ratio, type Row } from "../report";
import type { Context, Scenario } from "../scenario";
import { ServerHandle } from "../spawn";

const CONCURRENCY = 16;

export const http: Scenario = {
  name: "http",
  title: "7. HTTP: history page req/s against bare node http, room page TTFB",
  async run(context: Context): Promise<Row[]> {
    const seconds = context.quick ? 1.5 : 4;
    const bare = await ServerHandle.start("bare-http");
    const history = "/api/rooms/history/messages?limit=100";
    let floor;
    try {
      floor = await closedLoop(bare.url, { path: history }, CONCURRENCY, seconds);
    } finally {
      await bare.close();
    }
    context.log(`bare http: ${floor.requestsPerS} req/s, p99 ${floor.latency.p99Ms} ms`);

    const built = existsSync(path.join(process.cwd(), ".next", "BUILD_ID"));
    if (!built && !context.quick) {
      context.log("no .next build: running `next build` once (about 40 s)");
      execFileSync(process.execPath, [path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next"), "build"], { stdio: "ignore" });
    }
    const pages = existsSync(path.join(process.cwd(), ".next", "BUILD_ID"));
    const server = await ServerHandle.start("livechat", { pages, env: context.livechatEnv });
    try {
      const writer = await BenchClient.connect({ url: server.url });
      await writer.join("history");
      const tracker = new DeliveryTracker();
      await prefill(tracker, writer, "history", 100);
      writer.close();
      const livechat = await closedLoop(server.url, { path: history }, CONCURRENCY, seconds);
      context.log(`livechat: ${livechat.requestsPerS} req/s, statuses ${JSON.stringify(livechat.statuses)}, p99 ${livechat.latency.p99Ms} ms`);
      const rows: Row[] = [
        {
          scenario: "7 http",
          figure: "history page (100 messages) req/s (B-sio column: bare node http)",
          unit: "/s",
          bsio: floor.requestsPerS,
          livechat: livechat.requestsPerS,
          ratio: ratio(livechat.requestsPerS, floor.requestsPerS),
          target: ">= 0.25x bare http",
          pass: (ratio(livechat.requestsPerS, floor.requestsPerS) ?? 0) >= 0.25 && livechat.statuses[200] !== undefined,
          note: `statuses ${JSON.stringify(livechat.statuses)}`,
        },
      ];
      if (!pages) {
        rows.push({ scenario: "7 http", figure: "room page TTFB p50", unit: "ms", target: "< 20 ms", note: "skipped: no `next build` in .next (quick mode never builds; run `npm run build` first)" });
        return rows;
      }
      const ttfb = createHistogram();
      await httpCall(server.url, { path: "/rooms/history" });
      for (let i = 0; i < (context.quick ? 20 : 100); i++) {
        const { status, ttfbMs } = await httpCall(server.url, { path: "/rooms/history" });
        if (status !== 200) throw new Error(`room page answered ${status}`);
        recordMs(ttfb, ttfbMs);
      }
      const page = summarize(ttfb);
      context.log(`room page TTFB p50 ${page.p50Ms} ms, p99 ${page.p99Ms} ms`);
      context.detail("livechat", { floor, livechat, roomPageTtfb: page });
      rows.push({ scenario: "7 http", figure: "room page TTFB p50", unit: "ms", livechat: page.p50Ms, target: "< 20 ms", pass: page.p50Ms < 20, note: `p99 ${page.p99Ms} ms` });
      return rows;
    } finally {
      await server.close();
    }
  },
};
