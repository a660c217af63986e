// Livechat itself, as `createServer` composes it for production. The "new" push
// mode is a bench-only variant: it rewrites each `room:messages` push on its way
// through Socket.IO's adapter to carry only the messages the previous push lacked,
// to measure what pushing the full list costs. The product never runs it.
import type { LivechatServer } from "../../server/create-server";
import { startNode } from "../../server/testing/node";
import type { BenchServer, BenchServerOptions } from "./types";

const BENCH_SESSION_SECRET = "bench-session-secret-that-is-long-enough-0123456789";

export async function startLivechat(options: BenchServerOptions): Promise<BenchServer> {
  // Several Livechat servers may run at once (cluster, full-list): each takes a free gRPC port (startNode's default).
  const { port, server } = await startNode(
    {
      PORT: String(options.port),
      SESSION_SECRET: BENCH_SESSION_SECRET,
      NODE_NAME: "bench",
      NODE_ENV: "production",
      // The load generator is one host posing as thousands of people from 16 loopback
      // addresses: the per-address caps that guard production would refuse it.
      MAX_CONNECTIONS_PER_ADDRESS: "0",
      JOIN_RATE: "0",
      ...options.env,
    },
    { pages: options.pages ?? false },
  );
  if (options.push === "new") pushOnlyNewMessages(server);
  // Engine.IO reads it at each ping and tells it to each client in the handshake.
  if (options.pingIntervalMs) (server.io!.engine as unknown as { opts: { pingInterval: number } }).opts.pingInterval = options.pingIntervalMs;
  return { port, close: () => server.close(), dropConnections: (keep) => dropConnections(server, keep) };
}

/** As a network blip or a proxy restart would: the TCP connections go, with no close frame. */
function dropConnections(server: LivechatServer, keep: readonly string[]): number {
  let dropped = 0;
  for (const socket of server.io?.sockets.sockets.values() ?? []) {
    if (keep.includes(socket.data.identity.username)) continue;
    (socket.conn.transport as unknown as { socket: { terminate(): void } }).socket.terminate();
    dropped += 1;
  }
  return dropped;
}

type Packet = { data?: unknown[] };
type Broadcast = (packet: Packet, options: { rooms: Set<string> }) => void;

/** Rewrites pushes in the namespace's adapter, which every emit goes through (io.to, io.local.to, Redis). */
function pushOnlyNewMessages(server: LivechatServer): void {
  if (!server.io) throw new Error("this Livechat server runs no Socket.IO, so the bench cannot reach it");
  const adapter = server.io.of("/").adapter as unknown as { broadcast: Broadcast };
  const broadcast = adapter.broadcast.bind(adapter);
  const pushed = new Map<string, number>();
  adapter.broadcast = (packet, options) => {
    const [event, payload] = packet.data ?? [];
    if (event !== "room:messages") return broadcast(packet, options);
    const push = payload as { room: string; messages: { seq: number }[]; seq: number };
    const since = pushed.get(push.room) ?? 0;
    pushed.set(push.room, push.seq);
    return broadcast({ ...packet, data: [event, { ...push, messages: push.messages.filter((message) => message.seq > since) }] }, options);
  };
}
