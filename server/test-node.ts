// Test support: one Livechat node in a process of its own (API and Socket.IO, no
// pages), so a test can kill it with SIGKILL. Configured by the environment like
// `npm start`; prints `{"port":N}` on one line once it listens.
import { loadConfig } from "./config";
import { createServer } from "./create-server";

// gRPC on a free port: several test nodes run at once.
const config = loadConfig({ GRPC_PORT: "0", ...process.env });
const presenceTtlMs = Number(process.env.LIVECHAT_TEST_PRESENCE_TTL_MS) || undefined;
const server = await createServer(config, {
  pages: false,
  ...(presenceTtlMs ? { redis: { presenceTtlMs } } : {}),
});
const { port } = await server.listen();
process.stdout.write(`${JSON.stringify({ port })}\n`);
