import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Pushes may wait to share a write (room:activity up to 1 s) or cross two nodes on a loaded machine.
    expect: { poll: { timeout: 5_000 } },
    // FC_SEED=<seed a failed property printed> replays its inputs.
    setupFiles: ["lib/testing/fast-check-setup.ts"],
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["lib/**/*.test.ts", "server/**/*.test.ts", "app/**/*.test.ts", "bin/**/*.test.ts", "bench/**/*.test.ts"] },
      },
      {
        // The Socket.IO and HTTP contract again, against two nodes whose store is PostgreSQL,
        // with Redis between them (rooms with owners too: kicks and bans across nodes;
        // awareness: typing and read markers across nodes; the conversation: changes made
        // on one node seen on the other).
        extends: true,
        test: {
          name: "cluster",
          include: ["server/socket.test.ts", "server/socket-awareness.test.ts", "server/http/api.test.ts", "server/owners.test.ts", "server/conversation.test.ts"],
          env: { LIVECHAT_TEST_STORE: "postgres" },
        },
      },
      {
        // Again, with a three-master Redis Cluster between the nodes (adapter, presence, typing, limits).
        extends: true,
        test: {
          name: "cluster-redis-cluster",
          include: ["server/socket.test.ts", "server/socket-awareness.test.ts"],
          env: { LIVECHAT_TEST_STORE: "redis-cluster" },
        },
      },
    ],
  },
});
