// Livechat itself, as `createServer` composes it for production. The "new" push
// mode is a bench-only variant: it rewrites each `room:messages` push on its way
// into Socket.IO to carry only the messages the previous push lacked, to measure
// what pushing the full list costs. The product never runs it.
import { loadConfig } from "../../server/config";
import { createServer, type LivechatServer } from "../../server/create-server";
import type { BenchServer, ServerOptions } from "./types";

export const BENCH_SESSION_SECRET = "bench-session-secret-that-is-long-enough-0123456789";

export async function startLivechat(options: ServerOptions): Promise<BenchServer> {
  const config = loadConfig({
    PORT: String(options.port),
    HOST: "127.0.0.1",
    DATA_DIR: "",
    SESSION_SECRET: BENCH_SESSION_SECRET,
    NODE_NAME: "bench",
    LOG_LEVEL: "silent",
    NODE_ENV: "production",
    ...options.env,
  });
  const server = await createServer(config, { pages: options.pages ?? false });
  if (options.push === "new") pushOnlyNewMessages(server);
  const { port } = await server.listen();
  return { port, close: () => server.close() };
}

type Emitter = { emit(event: string, payload: unknown): boolean };

function pushOnlyNewMessages(server: LivechatServer): void {
  const io = server.io as unknown as { to(topic: string): Emitter };
  const to = io.to.bind(io);
  const pushed = new Map<string, number>();
  io.to = (topic: string) => {
    const operator = to(topic);
    const emit = operator.emit.bind(operator);
    operator.emit = (event, payload) => {
      if (event !== "room:messages") return emit(event, payload);
      const push = payload as { messages: { seq: number }[]; seq: number };
      const since = pushed.get(topic) ?? 0;
      pushed.set(topic, push.seq);
      return emit(event, { ...push, messages: push.messages.filter((message) => message.seq > since) });
    };
    return operator;
  };
}
