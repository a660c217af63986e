// A cheap receiver: one raw `ws` socket speaking socket.io's text frames itself
// (see frames.ts). Thousands of them fit in the load generator's one core.
import WebSocket from "ws";
import { encodeConnect, encodeEvent, isMessagesPush, parseFrame } from "./frames";

export interface ClientOptions {
  /** http://host:port of the server under test. */
  url: string;
  auth?: object;
  cookie?: string;
  localAddress?: string;
  /** Called with every raw `room:messages` frame. */
  onPush?: (client: BenchClient, frame: Buffer) => void;
  /** Called with the size in bytes of every frame the server sends, and the frame, before anything else. */
  onFrame?: (client: BenchClient, bytes: number, frame: Buffer) => void;
  onClose?: (client: BenchClient) => void;
  /** Called with every other event the server pushes (`room:message`, say), decoded. */
  onEvent?: (client: BenchClient, event: string, args: unknown[]) => void;
}

export type AckReply = { ok: true; [key: string]: unknown } | { ok: false; error: { code: string; message: string } };

const CONNECT_TIMEOUT_MS = 20_000;

export class BenchClient {
  /** Newest seq seen per room, for counting deliveries. */
  readonly lastSeen = new Map<string, number>();
  private nextAck = 1;
  private readonly pendingAcks = new Map<number, (reply: AckReply) => void>();

  private constructor(
    private readonly ws: WebSocket,
    readonly options: ClientOptions,
  ) {}

  static connect(options: ClientOptions): Promise<BenchClient> {
    const target = `${options.url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(target, {
      perMessageDeflate: false,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.cookie ? { headers: { cookie: options.cookie } } : {}),
    });
    const client = new BenchClient(ws, options);
    let connected = false;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no socket.io connect within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      ws.once("error", fail);
      ws.on("close", (code: number, reason: Buffer) => {
        for (const settle of client.pendingAcks.values()) settle({ ok: false, error: { code: "closed", message: "socket closed" } });
        client.pendingAcks.clear();
        if (connected) options.onClose?.(client);
        else fail(new Error(`socket closed during connect (code ${code}${reason.length ? `, ${reason.toString()}` : ""})`));
      });
      ws.on("message", (data: Buffer) => {
        options.onFrame?.(client, data.length, data);
        if (options.onPush && isMessagesPush(data)) return options.onPush(client, data);
        const frame = parseFrame(data.toString());
        switch (frame.kind) {
          case "open":
            ws.send(encodeConnect(options.auth));
            return;
          case "ping":
            ws.send("3");
            return;
          case "connected":
            connected = true;
            clearTimeout(timer);
            ws.off("error", fail);
            ws.on("error", () => undefined);
            resolve(client);
            return;
          case "connect_error":
            ws.terminate();
            fail(new Error(`connect refused: ${JSON.stringify(frame.data)}`));
            return;
          case "ack": {
            const settle = client.pendingAcks.get(frame.id);
            client.pendingAcks.delete(frame.id);
            settle?.(frame.args[0] as AckReply);
            return;
          }
          case "event":
            options.onEvent?.(client, frame.event, frame.args);
            return;
          default:
            return;
        }
      });
    });
  }

  emit(event: string, payload: unknown): Promise<AckReply> {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.pendingAcks.set(id, resolve);
      this.ws.send(encodeEvent(event, payload, id));
    });
  }

  async join(room: string): Promise<AckReply> {
    const reply = await this.emit("room:join", { room });
    if (!reply.ok) throw new Error(`join refused: ${reply.error.code} ${reply.error.message}`);
    const messages = reply.messages as { seq: number }[];
    if (!this.lastSeen.has(room)) this.lastSeen.set(room, messages.at(-1)?.seq ?? 0);
    return reply;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Source addresses to spread many sockets over, so ephemeral ports never run out. */
export function sourceAddress(index: number): string {
  return `127.0.0.${1 + (index % 16)}`;
}

/** Opens `count` clients, `parallel` handshakes at a time; a failed one is tried again a second later up to `retries` times. */
export async function connectMany(count: number, make: (index: number) => ClientOptions, { parallel = 100, retries = 0 } = {}): Promise<BenchClient[]> {
  const clients: BenchClient[] = new Array(count);
  let next = 0;
  const connect = async (index: number, attempt: number): Promise<BenchClient> => {
    try {
      return await BenchClient.connect(make(index));
    } catch (error) {
      if (attempt > retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return connect(index, attempt + 1);
    }
  };
  const worker = async () => {
    while (next < count) {
      const index = next++;
      clients[index] = await connect(index, 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return clients;
}
