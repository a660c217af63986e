// Bounds what one connection may have waiting to go out. A client that stops
// reading would otherwise make the server hold every push for it in memory;
// past the bound it is cut off (its TCP connection destroyed at once, not closed
// politely behind megabytes it will not read). Nobody else waits on it: Socket.IO
// writes to each connection independently.
import type { Socket } from "socket.io";

interface EnginePacket {
  data?: unknown;
}

interface RawWebSocket {
  bufferedAmount: number;
  terminate(): void;
}

export interface OutputGuardOptions {
  maxBytes: number;
  onCutOff: (socket: Socket, bufferedBytes: number) => void;
}

/** Returns `guard(socket)`, which watches every packet queued for the socket. */
export function createOutputGuard({ maxBytes, onCutOff }: OutputGuardOptions): (socket: Socket) => void {
  // A broadcast hands the same string to every member's connection in turn: measure it once.
  let lastString = "";
  let lastStringBytes = 0;
  const sizeOf = (data: unknown): number => {
    if (typeof data === "string") {
      if (data !== lastString) {
        lastString = data;
        lastStringBytes = Buffer.byteLength(data);
      }
      return lastStringBytes;
    }
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
    return 0;
  };

  return (socket) => {
    const conn = socket.conn;
    // Bytes in the engine's write buffer (packets waiting for the transport to be
    // writable); what the transport holds itself is read from the websocket.
    let queuedBytes = 0;
    let cut = false;
    conn.on("flush", () => {
      queuedBytes = 0;
    });
    conn.on("packetCreate", (packet: EnginePacket) => {
      if (cut) return;
      queuedBytes += sizeOf(packet.data);
      const buffered = queuedBytes + (rawWebSocket(socket)?.bufferedAmount ?? 0);
      if (buffered <= maxBytes) return;
      cut = true;
      // Not from inside the engine's own sendPacket call.
      queueMicrotask(() => {
        onCutOff(socket, buffered);
        const ws = rawWebSocket(socket);
        if (ws) ws.terminate();
        else conn.close(true);
      });
    });
  };
}

function rawWebSocket(socket: Socket): RawWebSocket | undefined {
  const transport = socket.conn.transport as unknown as { name: string; socket?: RawWebSocket };
  return transport.name === "websocket" ? transport.socket : undefined;
}
