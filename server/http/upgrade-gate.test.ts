// Which upgrade requests become websockets: only Socket.IO's, from an allowed origin.
import type { IncomingMessage } from "node:http";
import { connect } from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";
import { upgradeGate } from "./upgrade-gate";

let app: TestServer;

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});

interface RawAnswer {
  /** Everything the server wrote before the connection ended (or 3 s passed). */
  text: string;
  /** Whether the server ended the connection. */
  closed: boolean;
  elapsedMs: number;
}

/** Sends a raw HTTP/1.1 websocket upgrade request and reports what came back. */
function rawUpgrade(path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const { port, hostname } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const socket = connect(Number(port), hostname);
    let text = "";
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed, elapsedMs: Date.now() - startedAt });
    };
    const timer = setTimeout(() => done(false), 3000);
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n\r\n")) done(false);
    });
    socket.on("close", () => done(true));
    socket.on("error", reject);
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(lines.join("\r\n") + "\r\n\r\n");
  });
}

describe("websocket upgrades", () => {
  it("upgrades a Socket.IO websocket request", async () => {
    const answer = await rawUpgrade("/socket.io/?EIO=4&transport=websocket");
    expect(answer.text).toMatch(/^HTTP\/1\.1 101 /);
  });

  it.each(["/", "/api/health", "/rooms/lobby", "/_next/webpack-hmr", "/_next/hmr", "/socket.io", "/other/socket.io/"])(
    "drops an upgrade request for %s at once, without an answer",
    async (path) => {
      const answer = await rawUpgrade(path);
      expect(answer).toMatchObject({ text: "", closed: true });
      // Socket.IO alone would end a stray upgrade only after a second; the gate ends it at once.
      expect(answer.elapsedMs).toBeLessThan(900);
    },
  );

  it("refuses a Socket.IO websocket upgrade from another site's page", async () => {
    const answer = await rawUpgrade("/socket.io/?EIO=4&transport=websocket", { Origin: "http://evil.example" });
    expect(answer.text).not.toMatch(/^HTTP\/1\.1 101 /);
  });

  it("accepts a Socket.IO websocket upgrade from the site's own origin", async () => {
    const answer = await rawUpgrade("/socket.io/?EIO=4&transport=websocket", { Origin: app.url });
    expect(answer.text).toMatch(/^HTTP\/1\.1 101 /);
  });

  it("refuses a Socket.IO long-polling handshake from another site's page", async () => {
    const response = await app.request("/socket.io/?EIO=4&transport=polling", { headers: { origin: "http://evil.example" } });
    expect(response.status).toBe(403);
  });

  it("keeps serving ordinary requests after dropped upgrades", async () => {
    await rawUpgrade("/not-a-socket");
    expect((await app.request("/api/health")).status).toBe(200);
  });
});

describe("Next's hot-reload socket", () => {
  const request = (url: string) => ({ url }) as IncomingMessage;

  it("reaches Next in development", () => {
    const reached: string[] = [];
    const socket = new PassThrough();
    upgradeGate({ dev: true, hmr: (req) => reached.push(req.url!) })(request("/_next/hmr?id=1"), socket, Buffer.alloc(0));
    expect(reached).toEqual(["/_next/hmr?id=1"]);
    expect(socket.destroyed).toBe(false);
  });

  it("is dropped in production", () => {
    const reached: string[] = [];
    const socket = new PassThrough();
    upgradeGate({ dev: false, hmr: (req) => reached.push(req.url!) })(request("/_next/hmr"), socket, Buffer.alloc(0));
    expect(reached).toEqual([]);
    expect(socket.destroyed).toBe(true);
  });
});
