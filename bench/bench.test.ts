// Smoke test of the bench harness: its frame parser, its histogram summary, and a
// tiny fan-out through B-sio and through Livechat (in-process) that must arrive whole.
// No timing thresholds: figures belong to `npm run bench`, not to tests.
import { afterEach, describe, expect, it } from "vitest";
import { runConversation } from "./conversation-load";
import { runFanout, type Target } from "./fanout";
import { encodeEvent, isMessagesPush, parseFrame, pushSeq } from "./frames";
import { createHistogram, recordMs, summarize } from "./histogram";
import { benchContent, parseBenchContent } from "./load";
import { busiestLoad, formatTable, type Row } from "./report";
import { measureAwareness } from "./scenarios/awareness";
import { startServer } from "./servers/start";
import type { BenchServer, ServerKind } from "./servers/types";

describe("bench table", () => {
  const row = (loadCpuPct: number | undefined): Row => ({
    scenario: "2 fan-out",
    figure: `p99, load ${loadCpuPct}`,
    unit: "ms",
    bsio: 10,
    livechat: 11,
    ratio: 1.1,
    target: "<= 1.3x B-sio",
    pass: true,
    loadCpuPct,
  });

  it("marks a row whose load generator used over 70% of its core as the harness's, with no pass", () => {
    const table = formatTable([row(88)]);
    const line = table.split("\n")[2]!; // under the header and its rule
    expect(line).toMatch(/\| harness \(load 88%\) \|$/);
    expect(line).not.toContain("pass");
    expect(table).toContain("this row measured the harness, not the server");
  });

  it("reports a row as the server's up to 70% of the load generator's core, or when it was not measured", () => {
    for (const load of [70, undefined]) {
      const table = formatTable([row(load)]);
      expect(table.split("\n")[2]).toMatch(/\| pass +\|$/);
      expect(table).not.toContain("harness");
    }
  });

  it("judges a row by the busiest of the load generators behind it", () => {
    expect(busiestLoad({ loadCpuPct: 40 }, undefined, { loadCpuPct: 74 })).toBe(74);
    expect(busiestLoad(undefined)).toBeUndefined();
  });
});

describe("bench frames", () => {
  it("reads socket.io events, acks, pings and connect errors", () => {
    expect(parseFrame("2")).toEqual({ kind: "ping" });
    expect(parseFrame('42["room:notice",{"room":"a"}]')).toEqual({ kind: "event", event: "room:notice", args: [{ room: "a" }] });
    expect(parseFrame('4317[{"ok":true}]')).toEqual({ kind: "ack", id: 17, args: [{ ok: true }] });
    expect(parseFrame('44{"message":"no"}')).toEqual({ kind: "connect_error", data: { message: "no" } });
    expect(encodeEvent("room:join", { room: "a" }, 3)).toBe('423["room:join",{"room":"a"}]');
  });

  it("finds a push's newest seq without parsing the list", () => {
    const push = Buffer.from(`42${JSON.stringify(["room:messages", { room: "a", messages: [{ seq: 9, content: '"seq":1' }, { seq: 10 }], seq: 10 }])}`);
    expect(isMessagesPush(push)).toBe(true);
    expect(isMessagesPush(Buffer.from('42["room:presence",{}]'))).toBe(false);
    expect(pushSeq(push)).toBe(10);
  });

  it("carries the scheduled send time in a message's content", () => {
    expect(parseBenchContent(benchContent(1234.5, true))).toEqual({ scheduledMs: 1234.5, measured: true });
    expect(parseBenchContent("hello")).toBeUndefined();
  });

  it("summarises latencies in milliseconds", () => {
    const histogram = createHistogram();
    for (let ms = 1; ms <= 100; ms++) recordMs(histogram, ms);
    const summary = summarize(histogram);
    expect(summary.count).toBe(100);
    expect(summary.p50Ms).toBeCloseTo(50, 0);
    expect(summary.p99Ms).toBeCloseTo(99, 0);
    expect(summary.maxMs).toBeCloseTo(100, 0);
  });
});

describe("bench fan-out", () => {
  let server: BenchServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const inProcess = (started: BenchServer): Target => ({
    url: `http://127.0.0.1:${started.port}`,
    startCpu: () => undefined,
    stopCpu: async () => 0,
  });

  for (const kind of ["b-ws", "b-sio", "livechat"] as ServerKind[]) {
    for (const push of ["full", "new"] as const) {
      it(`delivers every message to every member of a room through ${kind} (${push} push)`, async () => {
        server = await startServer(kind, { port: 0, push, env: { MESSAGE_RATE: "0" } });
        const result = await runFanout(inProcess(server), { members: 4, messagesPerS: 40, durationS: 0.25, prefill: 5 });
        expect(result.deliveredPct).toBe(100);
        expect(result.receive.count).toBe(10 * 4);
        expect(result.ack.count).toBe(10);
        // A full push carries the window (at least the 5 prefilled messages); a new-only push about one message.
        if (push === "full") expect(result.avgPushBytes).toBeGreaterThan(5 * 200);
        else expect(result.avgPushBytes).toBeLessThan(3 * 300);
      });
    }
  }
});

describe("bench awareness", () => {
  let server: BenchServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("gives connections that watch rooms their activity on top of their one room's lists", async () => {
    server = await startServer("livechat", { port: 0, push: "full", env: { MESSAGE_RATE: "0" } });
    const target = { url: `http://127.0.0.1:${server.port}`, startCpu: () => undefined, stopCpu: async () => 0 };
    const options = { connections: 42, durationS: 1, prefill: 2, warmupS: 0.2 };
    const alone = await measureAwareness(target, { ...options, watching: false });
    const watching = await measureAwareness(target, { ...options, watching: true });
    // 21 rooms at 1 message/s: a connection shows one room and, watching, hears of the 20 others.
    expect(alone.framesPerConnectionS).toBeGreaterThan(0);
    expect(watching.framesPerConnectionS).toBeGreaterThan(alone.framesPerConnectionS * 5);
  });
});

describe("bench conversation", () => {
  let server: BenchServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("delivers every new message and every reaction and edit to every member, over a window of replies and reactions", async () => {
    server = await startServer("livechat", { port: 0, push: "full", env: { MESSAGE_RATE: "0" } });
    const target = { url: `http://127.0.0.1:${server.port}`, startCpu: () => undefined, stopCpu: async () => 0 };
    const result = await runConversation(target, { members: 4, eventsPerS: 40, durationS: 1, changeShare: 0.1, decorated: true, prefill: 6 });
    // 40 events, one in ten a change (the pool of sent messages is filled by the warm-up).
    expect(result.changes).toBe(4);
    expect(result.messages).toBe(36);
    expect(result.refusedChanges).toBe(0);
    expect(result.deliveredPct).toBe(100);
    expect(result.changeReceive.count).toBe(4 * 4);
    expect(result.changeAck.count).toBe(4);
  });
});
