// Closed-loop HTTP load over keep-alive connections spread on several source addresses.
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { sourceAddress } from "./client";
import { createHistogram, recordMs, summarize, type LatencySummary } from "./histogram";

export interface HttpLoadResult {
  requestsPerS: number;
  statuses: Record<number, number>;
  latency: LatencySummary;
}

export interface HttpCall {
  method?: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export function httpCall(url: string, call: HttpCall, agent?: Agent, localAddress?: string): Promise<{ status: number; body: string; ttfbMs: number }> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url + call.path,
      {
        method: call.method ?? "GET",
        ...(agent ? { agent } : {}),
        ...(localAddress && !agent ? { localAddress } : {}),
        headers: { ...(call.body ? { "content-type": "application/json", "content-length": Buffer.byteLength(call.body) } : {}), ...call.headers },
      },
      (res) => {
        const ttfbMs = performance.now() - began;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ttfbMs }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(call.body);
  });
}

/** `concurrency` loops each issuing the next request as soon as the last one answered. */
export async function closedLoop(url: string, call: HttpCall, concurrency: number, durationS: number): Promise<HttpLoadResult> {
  const agents = Array.from({ length: concurrency }, (_, i) => new Agent({ keepAlive: true, maxSockets: 1, localAddress: sourceAddress(i) }));
  const latency = createHistogram();
  const statuses: Record<number, number> = {};
  const until = performance.now() + durationS * 1000;
  const began = performance.now();
  let done = 0;
  await Promise.all(
    agents.map(async (agent) => {
      while (performance.now() < until) {
        const started = performance.now();
        const { status } = await httpCall(url, call, agent);
        recordMs(latency, performance.now() - started);
        statuses[status] = (statuses[status] ?? 0) + 1;
        done++;
      }
    }),
  );
  const elapsedS = (performance.now() - began) / 1000;
  for (const agent of agents) agent.destroy();
  return { requestsPerS: Math.round(done / elapsedS), statuses, latency: summarize(latency) };
}
