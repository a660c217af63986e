// How `room:activity` reaches this node's watchers cheaply. A person watching 20 busy
// rooms hears of 20 messages a second, and each push costs the server a write to the
// connection whatever its size (a system call and the engine's bookkeeping): sent one
// by one, watching cost twice the CPU of showing one room (docs/performance.md,
// "Watching rooms"). So activity waits here up to ACTIVITY_BATCH_MS; then each push is
// encoded once into its WebSocket frame (as Socket.IO's own broadcasts are) and every
// connection is handed all of its frames in one write. On the wire nothing changes:
// one WebSocket message, one Socket.IO event per `room:activity`, in the order the
// messages were stored. A connection still on HTTP long-polling gets them one emit each.
import type { Socket } from "socket.io";
import type { ActivitySink } from "../lib/chat/watches";
import type { RoomActivityPush } from "../lib/protocol";
import { roomTopic, watchTopic } from "../lib/protocol";
import type { ChatServer } from "./socket";

/**
 * How long activity may wait to share a write. A badge a second late goes unnoticed;
 * watchers of 20 rooms at 1 message a second get 1 write a second, not 20. On a quiet
 * machine 500 ms cost 1.36x to 1.62x the CPU of one room (four runs), 1 s 1.11x to
 * 1.43x (median 1.27x): docs/performance.md, "Watching rooms".
 */
export const ACTIVITY_BATCH_MS = 1000;

interface Due {
  push: Omit<RoomActivityPush, "mention">;
  mentioned: readonly string[];
}

/** One push, and its whole WebSocket frame: encoded once for every watcher. */
interface Encoded {
  payload: RoomActivityPush;
  frame: Buffer;
}

export interface ActivityBatches {
  /** Hand to `RoomWatches.deliverTo`. */
  sink: ActivitySink;
  close(): void;
}

export function batchActivity(io: ChatServer, delayMs = ACTIVITY_BATCH_MS): ActivityBatches {
  let due: Due[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    timer = undefined;
    const batch = due;
    due = [];
    const namespace = io.of("/");
    const bySocket = new Map<Socket, Encoded[]>();
    for (const { push, mentioned } of batch) {
      const watchers = namespace.adapter.rooms.get(watchTopic(push.room));
      if (!watchers) continue;
      // A connection that joined the room has its full lists instead.
      const joined = roomTopic(push.room);
      let plain: Encoded | undefined;
      let marked: Encoded | undefined;
      for (const id of watchers) {
        const socket = namespace.sockets.get(id);
        if (!socket || socket.rooms.has(joined)) continue;
        const encoded = mentioned.includes(id) ? (marked ??= encode({ ...push, mention: true })) : (plain ??= encode({ ...push, mention: false }));
        const list = bySocket.get(socket);
        if (list) list.push(encoded);
        else bySocket.set(socket, [encoded]);
      }
    }
    for (const [socket, list] of bySocket) send(socket, list);
  };

  return {
    sink: (push, mentioned) => {
      due.push({ push, mentioned });
      timer ??= setTimeout(flush, delayMs).unref();
    },
    close: () => {
      clearTimeout(timer);
      timer = undefined;
      due = [];
    },
  };
}

function send(socket: Socket, list: readonly Encoded[]): void {
  if (!socket.connected) return;
  if (!takesFrames(socket)) {
    for (const { payload } of list) socket.emit("room:activity", payload);
    return;
  }
  const frames = list.length === 1 ? list[0]!.frame : Buffer.concat(list.map(({ frame }) => frame));
  // The engine writes a pre-encoded frame as it is (engine.io's websocket transport, the
  // path of every Socket.IO broadcast); several frames in one buffer are one write.
  socket.conn.write(frames, { wsPreEncodedFrame: [frames] } as { compress?: boolean });
}

/** Whether the engine would write a pre-encoded frame as it is (engine.io's own test, websocket.js). */
function takesFrames(socket: Socket): boolean {
  const transport = socket.conn.transport as unknown as {
    name: string;
    perMessageDeflate?: unknown;
    socket?: { _sender?: { sendFrame?: unknown } };
  };
  return transport.name === "websocket" && !transport.perMessageDeflate && typeof transport.socket?._sender?.sendFrame === "function";
}

function encode(payload: RoomActivityPush): Encoded {
  // Engine.IO's "message" (4) carrying Socket.IO's EVENT (2) in the default parser's text form.
  return { payload, frame: textFrame(`42${JSON.stringify(["room:activity", payload])}`) };
}

/** An unmasked, final WebSocket text frame (RFC 6455, section 5.2), as a server sends it. */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (length < 126) frame[1] = length;
  else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, header);
  return frame;
}
