// Choosing adapters: `livechat serve --adapters grpc` serves gRPC and a health
// check but no pages, API or Socket.IO; ADAPTERS=web opens no gRPC port.
import { spawn, type ChildProcess } from "node:child_process";
import { createConnection, createServer as createNetServer } from "node:net";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { Message } from "../lib/protocol";
import { connectGrpc } from "./testing/test-clients";
import { startTestServer, type TestServer } from "./testing/test-server";

const children: ChildProcess[] = [];
const servers: TestServer[] = [];

afterAll(async () => {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(servers.map((server) => server.close()));
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("choosing adapters", () => {
  it("serves no pages, API or Socket.IO with `livechat serve --adapters grpc`, only gRPC and health", async () => {
    const [port, grpcPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ["bin/livechat.js", "serve", "--adapters", "grpc"], {
      env: {
        ...process.env,
        NODE_ENV: "production",
        PORT: String(port),
        GRPC_PORT: String(grpcPort),
        HOST: "127.0.0.1",
        DATA_DIR: "",
        SESSION_SECRET: "a-test-secret-that-is-long-enough-1234567890",
        LOG_LEVEL: "silent",
      },
      stdio: "ignore",
    });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    const health = await vi.waitFor(
      async () => (await (await fetch(`${base}/api/health`)).json()) as { status: string; adapters: string[] },
      { timeout: 20_000, interval: 100 },
    );
    expect(health).toMatchObject({ status: "ok", adapters: ["grpc"] });
    for (const path of ["/", "/rooms/lobby", "/api/rooms", "/api/rooms/lobby/stream", "/socket.io/?EIO=4&transport=polling"]) {
      expect((await fetch(base + path)).status, path).toBe(404);
    }
    const grpc = connectGrpc(`127.0.0.1:${grpcPort}`);
    try {
      await grpc.call("Send", { room: "lobby", content: "grpc only" }, { name: "cli" });
      const { messages } = await grpc.call<{ messages: Message[] }>("History", { room: "lobby" });
      expect(messages.map((message) => message.content)).toEqual(["grpc only"]);
    } finally {
      grpc.close();
    }
  });

  it("opens no gRPC port with ADAPTERS=web, and health lists web alone", async () => {
    const grpcPort = await freePort();
    const app = await startTestServer({ ADAPTERS: "web", GRPC_PORT: String(grpcPort) });
    servers.push(app);
    expect(app.server.grpc).toBeUndefined();
    expect(await refusesConnections(grpcPort)).toBe(true);
    expect(await (await app.request("/api/health")).json()).toMatchObject({ status: "ok", adapters: ["web"] });
    expect((await app.request("/api/rooms")).status).toBe(200);
  });

  it("refuses a malformed --adapters option with the usage", async () => {
    const child = spawn(process.execPath, ["bin/livechat.js", "serve", "--adapters"], { stdio: ["ignore", "ignore", "pipe"] });
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--adapters web,grpc/);
  });
});
