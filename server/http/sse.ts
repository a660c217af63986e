// Server-Sent Events: GET /api/rooms/:name/stream sends `event: messages` with the
// room's full list at once and after every change, comment heartbeats in between,
// `event: deleted` when the room is deleted and `event: removed` (room:removed's
// payload) when the person watching is kicked or banned; either ends the stream. A
// client going away frees its subscription and timer at once.
import type { ServerResponse } from "node:http";
import type { Actor } from "../../lib/rooms/roles";
import { watchRoom, type WatchDeps } from "../watch-room";

export interface SseOptions extends WatchDeps {
  /** A comment line this often keeps proxies and idle timeouts from closing the stream. */
  heartbeatMs: number;
}

/** How long an EventSource waits before reconnecting after a lost connection. */
const RETRY_MS = 2_000;

export class SseStreams {
  private readonly options: SseOptions;
  private readonly open = new Set<ServerResponse>();

  constructor(options: SseOptions) {
    this.options = options;
  }

  /** Streams `room` to the response for `who`; errors before the first event reach the caller as usual. */
  async serve(res: ServerResponse, room: string, who: Actor): Promise<void> {
    // Filled in as the stream starts; freed in one place however it ends.
    const stream: { gone: boolean; stop?: () => void; heartbeat?: NodeJS.Timeout } = { gone: false };
    const free = () => {
      stream.gone = true;
      stream.stop?.();
      clearInterval(stream.heartbeat);
      this.open.delete(res);
    };
    res.once("close", free);

    // A client that reads slower than the room changes gets the newest list when it catches
    // up, not every list in between: each list is whole, so none is owed.
    let newest: string | undefined;
    const send = (chunk: string, kind: "list" | "other" = "other") => {
      if (stream.gone) return;
      if (res.writableNeedDrain) {
        if (kind === "list") newest = chunk;
        if (kind === "list" || chunk.startsWith(":")) return;
      }
      if (!res.headersSent) {
        res.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-store",
          connection: "keep-alive",
          "x-accel-buffering": "no",
          "x-content-type-options": "nosniff",
        });
        res.write(`retry: ${RETRY_MS}\n\n`);
      }
      res.write(chunk);
    };
    res.on("drain", () => {
      const chunk = newest;
      newest = undefined;
      if (chunk !== undefined) send(chunk, "list");
    });

    // A last event the client must see: a list still waiting for the drain is dropped.
    const last = (event: string, payload: object) => {
      newest = undefined;
      send(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
      res.end();
    };
    stream.stop = await watchRoom(this.options, room, who, {
      messages: (push) => send(`event: messages\ndata: ${JSON.stringify(push)}\n\n`, "list"),
      deleted: () => last("deleted", { room }),
      removed: (push) => last("removed", push),
    });
    // The client left (or the room was deleted) while the first list was read.
    if (stream.gone || res.writableEnded) return void stream.stop();
    this.open.add(res);
    stream.heartbeat = setInterval(() => send(": heartbeat\n\n"), this.options.heartbeatMs);
  }

  /** Open streams, for health checks and tests. */
  get count(): number {
    return this.open.size;
  }

  /** Ends every stream, for shutdown: clients reconnect to another node. */
  closeAll(): void {
    for (const res of this.open) res.end();
  }
}
