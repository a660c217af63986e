// Reconnect storm: a thousand pages lose their connection at once, come back
// with jittered back-off, rejoin, and each shows its room's full list, with no
// message missing and none twice. Prints the server's event-loop lag meanwhile.
import { availableParallelism, loadavg } from "node:os";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "./testing/delivery-test-helpers";
import { startTestServer, type TestServer } from "./testing/test-server";

const ROOMS = 50;
const PER_ROOM = 20;
const CLIENTS = ROOMS * PER_ROOM;
// The room page's numbers (app/rooms/[name]/useRoomSocket.ts).
const RECONNECTION = { reconnectionDelay: 500, reconnectionDelayMax: 10_000, randomizationFactor: 0.5 };

interface Progress {
  type: "progress";
  connected: number;
  joinedOnce: number;
  joinedAgain: number;
  joinErrors: number;
}

let app: TestServer;

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});

async function post(room: string, content: string): Promise<void> {
  const response = await app.request(`/api/rooms/${room}/messages`, { method: "POST", json: { content } });
  if (response.status !== 201) throw new Error(`posting to ${room}: ${response.status} ${await response.text()}`);
}

describe("a reconnect storm", () => {
  it(`brings ${CLIENTS} dropped pages back, each with its room's full list`, { timeout: 120_000 }, async () => {
    const stamp = Date.now().toString(36);
    const rooms = Array.from({ length: ROOMS }, (_, i) => `storm-${stamp}-${i}`);
    const counts: Record<string, number> = {};
    for (const room of rooms) {
      for (let i = 0; i < 20; i++) await post(room, `before the storm ${i}`);
      counts[room] = 20;
    }

    const worker = new Worker(new URL("./testing/storm-clients.worker.mjs", import.meta.url), {
      workerData: { url: app.url, rooms, perRoom: PER_ROOM, reconnection: RECONNECTION },
    });
    let progress: Progress = { type: "progress", connected: 0, joinedOnce: 0, joinedAgain: 0, joinErrors: 0 };
    const replies: Array<{ type: string } & Record<string, unknown>> = [];
    worker.on("message", (message: { type: string } & Record<string, unknown>) => {
      if (message.type === "progress") progress = message as unknown as Progress;
      else replies.push(message);
    });
    /** The worker's next reply of `type` (each is taken once). */
    const reply = async (type: string) => {
      await until(() => replies.some((r) => r.type === type), 30_000, `the worker's ${type}`);
      return replies.splice(replies.findIndex((r) => r.type === type), 1)[0]!;
    };

    try {
      await until(() => progress.joinedOnce === CLIENTS, 60_000, "every page to join");
      expect(app.server.io!.engine.clientsCount).toBe(CLIENTS);

      // The machine's noise floor: the same server with every page connected and idle.
      const idle = monitorEventLoopDelay({ resolution: 10 });
      idle.enable();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      idle.disable();

      // The drop: every connection's TCP socket destroyed at once, as a network blip or a proxy restart would.
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const droppedAt = performance.now();
      for (const socket of app.server.io!.sockets.sockets.values()) {
        (socket.conn.transport as unknown as { socket: { terminate(): void } }).socket.terminate();
      }
      // The rooms go on meanwhile: two more messages each, which every page must end up with.
      for (const room of rooms) {
        for (let i = 0; i < 2; i++) await post(room, `during the storm ${i}`);
        counts[room] += 2;
      }
      await until(() => progress.joinedAgain === CLIENTS, 60_000, "every page to rejoin");
      const backAfterMs = performance.now() - droppedAt;
      lag.disable();

      // Lists are pushed after every change: the last pushes may still be on their way.
      const verify = async () => {
        worker.postMessage({ type: "verify", counts });
        return reply("verified");
      };
      let verified: Record<string, unknown> = {};
      await expect.poll(async () => (verified = await verify()).wrong, { timeout: 15_000, interval: 200 }).toEqual([]);
      expect(verified.pages).toBe(CLIENTS);
      expect(progress.joinErrors).toBe(0);
      expect(progress.connected).toBe(CLIENTS);

      const figures = (h: IntervalHistogram) =>
        `p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms`;
      console.log(
        `[reconnect storm] ${CLIENTS} pages in ${ROOMS} rooms dropped at once: all rejoined with the full list ` +
          `${(backAfterMs / 1000).toFixed(2)} s after the drop (back-off 0.5 s..10 s, ±50% jitter). ` +
          `Server event-loop delay during the storm: ${figures(lag)}; idle with ${CLIENTS} connected: ${figures(idle)} ` +
          `(resolution 10 ms; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
      );
    } finally {
      worker.postMessage({ type: "close" });
      await reply("closed").catch(() => undefined);
      await worker.terminate();
    }
  });
});
