// DNS rebinding: a page on an attacker's domain that resolves to this server sends its
// own name as Host and as Origin, so the same-origin rule alone lets it in. With
// PUBLIC_URL set, only its names are served.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connectClient } from "socket.io-client";
import { startTestServer, type TestServer } from "../testing/test-server";

const PUBLIC = "chat.example.test";
const REBOUND = "rebind.attacker.test";

let guarded: TestServer;
let open: TestServer;

beforeAll(async () => {
  guarded = await startTestServer({ PUBLIC_URL: `https://${PUBLIC}` });
  open = await startTestServer();
});
afterAll(async () => {
  await guarded.close();
  await open.close();
});

function get(app: TestServer, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(app.url);
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A page served as `host` opening a socket: its Host and Origin both name that host. */
function handshake(app: TestServer, host: string): Promise<"connected" | "refused"> {
  const port = new URL(app.url).port;
  const client = connectClient(app.url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders: { host: `${host}:${port}`, origin: `http://${host}:${port}` },
  });
  return new Promise((resolve) => {
    client.once("connect", () => resolve("connected"));
    client.once("connect_error", () => resolve("refused"));
  }).finally(() => client.disconnect()) as Promise<"connected" | "refused">;
}

describe("PUBLIC_URL", () => {
  it("serves requests that name its host, on any port", async () => {
    expect((await get(guarded, "/api/rooms", PUBLIC)).status).toBe(200);
    expect((await get(guarded, "/api/rooms", `${PUBLIC.toUpperCase()}:8443`)).status).toBe(200);
  });

  it("refuses a request that names another host with 421 and a sentence naming PUBLIC_URL", async () => {
    const { status, body } = await get(guarded, "/api/rooms", REBOUND);
    expect(status).toBe(421);
    expect(JSON.parse(body)).toEqual({ error: { code: "forbidden", message: expect.stringContaining("PUBLIC_URL") } });
  });

  it("still answers health checks and metrics addressed to the node itself", async () => {
    expect((await get(guarded, "/api/health", "10.0.0.7:3000")).status).toBe(200);
    expect((await get(guarded, "/api/metrics", "10.0.0.7:3000")).status).toBe(200);
  });

  // Guards issue 16: a page on a rebinding domain connected as a guest.
  it("refuses the Socket.IO handshake of a page on a rebinding domain, and accepts its own pages", async () => {
    expect(await handshake(guarded, REBOUND)).toBe("refused");
    expect(await handshake(guarded, PUBLIC)).toBe("connected");
  });

  it("is what stops rebinding: without it, the rebinding page's handshake is same-origin and accepted", async () => {
    expect(await handshake(open, REBOUND)).toBe("connected");
  });
});
