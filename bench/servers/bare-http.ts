// The HTTP floor: a bare Node `http` server answering every GET with the same bytes
// Livechat's history route answers (a page of 100 messages).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { BaselineRooms } from "./baseline-rooms";
import type { BenchServer, BenchServerOptions } from "./types";

export async function startBareHttp(options: BenchServerOptions): Promise<BenchServer> {
  const rooms = new BaselineRooms("full");
  for (let i = 0; i < 100; i++) rooms.append("history", `w|0|${"x".repeat(40)}`);
  const body = JSON.stringify({ messages: rooms.window("history") });
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(options.port, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
