// Test support: one Livechat node in a process of its own (API and Socket.IO, no
// pages), so a test can kill it with SIGKILL. Configured by the environment like
// `npm start`; prints `{"port":N}` on one line once it listens.
import { startNode } from "./node";

const presenceTtlMs = Number(process.env.LIVECHAT_TEST_PRESENCE_TTL_MS) || undefined;
const { port } = await startNode(process.env, presenceTtlMs ? { redis: { presenceTtlMs } } : {});
process.stdout.write(`${JSON.stringify({ port })}\n`);
