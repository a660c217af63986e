// B-sio: a bare Socket.IO 4.8 server doing io.to(room).emit of the same bytes as
// Livechat, with no store and no auth. The floor this stack allows.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { BaselineRooms, joinReply } from "./baseline-rooms";
import type { BenchServer, BenchServerOptions } from "./types";

type Ack = (reply: unknown) => void;
type Payload = { room?: unknown; content?: unknown };

export async function startBaselineSio(options: BenchServerOptions): Promise<BenchServer> {
  const httpServer = createServer();
  const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 1e6 });
  const rooms = new BaselineRooms(options.push, (push) => io.to(`room:${push.room}`).emit("room:messages", push));
  io.on("connection", (socket) => {
    socket.on("room:join", (payload: Payload, ack: Ack) => {
      const room = String(payload.room);
      void socket.join(`room:${room}`);
      ack(joinReply(rooms, room));
    });
    socket.on("room:leave", (payload: Payload, ack: Ack) => {
      void socket.leave(`room:${String(payload.room)}`);
      ack({ ok: true });
    });
    socket.on("message:send", (payload: Payload, ack: Ack) => {
      const room = String(payload.room);
      ack({ ok: true, message: rooms.append(room, String(payload.content)) });
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(options.port, "127.0.0.1", resolve));
  return {
    port: (httpServer.address() as AddressInfo).port,
    close: () => new Promise((resolve) => io.close(() => resolve())),
  };
}
