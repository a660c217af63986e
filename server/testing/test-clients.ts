// Test support: the clients an outside program would use for the streaming
// adapters: an SSE reader over fetch and a gRPC client from livechat.proto.
import { credentials, Metadata, type Client, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import type { RoomMessagesPush } from "../../lib/protocol";
import { loadChatService, METADATA, type WireMessage, type WireWatchEvent } from "../grpc/proto";

export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseReader {
  status: number;
  events: SseEvent[];
  /** Comment lines (heartbeats) seen so far. */
  comments: number;
  /** The newest `messages` payload. */
  latest(): RoomMessagesPush | undefined;
  /** Settles when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens `url` as an event stream (with `headers`, such as a session cookie) and records what arrives. */
export async function openSse(url: string, onEvent?: (event: SseEvent) => void, headers: Record<string, string> = {}): Promise<SseReader> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal, headers: { accept: "text/event-stream", ...headers } });
  const reader: SseReader = {
    status: response.status,
    events: [],
    comments: 0,
    latest: () => reader.events.filter((e) => e.event === "messages").at(-1)?.data as RoomMessagesPush | undefined,
    ended: Promise.resolve(),
    close: () => abort.abort(),
  };
  if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) return reader;
  const body = response.body.pipeThrough(new TextDecoderStream()).getReader();
  reader.ended = (async () => {
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await body.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = block.split("\n");
          if (fields.every((line) => line.startsWith(":"))) reader.comments += 1;
          const event = fields.find((line) => line.startsWith("event: "))?.slice(7);
          const data = fields.find((line) => line.startsWith("data: "))?.slice(6);
          if (event === undefined || data === undefined) continue;
          const parsed = { event, data: JSON.parse(data) as unknown };
          reader.events.push(parsed);
          onEvent?.(parsed);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return reader;
}

export interface GrpcCallOptions {
  /** A guest's display name. */
  name?: string;
  /** A Login token or the admin token. */
  token?: string;
}

export interface GrpcWatch {
  events: WireWatchEvent[];
  latest(): WireWatchEvent | undefined;
  /** Settles with the status the stream ended with (code 0 is OK). */
  ended: Promise<{ code: number; details: string }>;
  cancel(): void;
  /** Stops reading (as a slow client would) until resume(). */
  pause(): void;
  resume(): void;
}

export interface GrpcTestClient {
  call<Reply>(method: string, request: object, options?: GrpcCallOptions): Promise<Reply>;
  /** Calls a method expected to fail: its status code and the contract's error code. */
  fail(method: string, request: object, options?: GrpcCallOptions): Promise<{ code: number; errorCode: string }>;
  watch(room: string, options?: GrpcCallOptions, onEvent?: (event: WireWatchEvent) => void): GrpcWatch;
  close(): void;
}

type Unary = (request: object, metadata: Metadata, callback: (error: ServiceError | null, reply: unknown) => void) => void;

export function connectGrpc(address: string): GrpcTestClient {
  const Chat = loadChatService();
  const client = new Chat(address, credentials.createInsecure()) as Client & Record<string, unknown>;

  const metadataOf = ({ name, token }: GrpcCallOptions = {}) => {
    const metadata = new Metadata();
    if (name !== undefined) metadata.set(METADATA.guestName, name);
    if (token !== undefined) metadata.set(METADATA.authorization, `Bearer ${token}`);
    return metadata;
  };

  const call = <Reply>(method: string, request: object, options?: GrpcCallOptions) =>
    new Promise<Reply>((resolve, reject) => {
      (client[method] as Unary).call(client, request, metadataOf(options), (error, reply) =>
        error ? reject(error) : resolve(reply as Reply),
      );
    });

  return {
    call,
    fail: async (method, request, options) => {
      try {
        await call(method, request, options);
      } catch (error) {
        const serviceError = error as ServiceError;
        return { code: serviceError.code, errorCode: String(serviceError.metadata.get(METADATA.errorCode)[0]) };
      }
      throw new Error(`${method} succeeded where it should have failed`);
    },
    watch: (room, options, onEvent) => {
      const stream = (client.Watch as (request: object, metadata: Metadata) => ClientReadableStream<WireWatchEvent>).call(
        client,
        { room },
        metadataOf(options),
      );
      const watch: GrpcWatch = {
        events: [],
        latest: () => watch.events.at(-1),
        ended: new Promise((resolve) => {
          stream.on("status", ({ code, details }: { code: number; details: string }) => resolve({ code, details }));
        }),
        cancel: () => stream.cancel(),
        pause: () => stream.pause(),
        resume: () => stream.resume(),
      };
      stream.on("data", (event: WireWatchEvent) => {
        watch.events.push(event);
        onEvent?.(event);
      });
      stream.on("error", () => {}); // the status above carries it
      return watch;
    },
    close: () => client.close(),
  };
}

/** The messages a gRPC Watch showed last, as contents. */
export function watchedContents(watch: GrpcWatch): string[] {
  const latest = [...watch.events].reverse().find((event) => event.event === "messages");
  return latest?.event === "messages" ? latest.messages.messages.map((m: WireMessage) => m.content) : [];
}
