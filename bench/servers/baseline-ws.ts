// B-ws: a bare `ws` server broadcasting the same bytes as Livechat. It speaks just
// enough of socket.io's framing for the bench's receivers (open, connect, acks) and
// encodes each push once for every member: the floor under Socket.IO itself.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { encodeAck, parseFrame } from "../frames";
import { BaselineRooms, joinReply } from "./baseline-rooms";
import type { BenchServer, BenchServerOptions } from "./types";

const OPEN = `0${JSON.stringify({ sid: "b-ws", upgrades: [], pingInterval: 25_000, pingTimeout: 20_000, maxPayload: 1e6 })}`;

export async function startBaselineWs(options: BenchServerOptions): Promise<BenchServer> {
  const members = new Map<string, Set<WebSocket>>();
  const rooms = new BaselineRooms(options.push, (push) => {
    const bytes = Buffer.from(`42${JSON.stringify(["room:messages", push])}`);
    for (const member of members.get(push.room) ?? []) member.send(bytes, { binary: false });
  });
  const httpServer = createServer();
  const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false, maxPayload: 1e6 });

  wss.on("connection", (ws) => {
    const joined = new Set<string>();
    ws.send(OPEN);
    ws.on("message", (data: Buffer) => {
      const frame = parseFrame(data.toString());
      if (frame.kind === "connected") return void ws.send('40{"sid":"b-ws"}');
      if (frame.kind !== "event") return;
      const [payload] = frame.args as [{ room?: unknown; content?: unknown }];
      const ackId = Number(data.toString("utf8", 2, data.indexOf(91)));
      const room = String(payload.room);
      if (frame.event === "room:join") {
        let set = members.get(room);
        if (!set) members.set(room, (set = new Set()));
        set.add(ws);
        joined.add(room);
        ws.send(encodeAck(ackId, joinReply(rooms, room)));
      } else if (frame.event === "room:leave") {
        members.get(room)?.delete(ws);
        joined.delete(room);
        ws.send(encodeAck(ackId, { ok: true }));
      } else if (frame.event === "message:send") {
        ws.send(encodeAck(ackId, { ok: true, message: rooms.append(room, String(payload.content)) }));
      }
    });
    ws.on("close", () => {
      for (const room of joined) members.get(room)?.delete(ws);
    });
  });

  await new Promise<void>((resolve) => httpServer.listen(options.port, "127.0.0.1", resolve));
  return {
    port: (httpServer.address() as AddressInfo).port,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}
