// Settings the e2e server is started with and the specs rely on.
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3107);
/** The e2e server's gRPC port: beside E2E_PORT, so parallel runs on other ports do not collide. */
export const E2E_GRPC_PORT = Number(process.env.E2E_GRPC_PORT ?? E2E_PORT + 1000);
export const E2E_NODE_NAME = "e2e-node";
/** Only ever used against the throwaway e2e server. */
export const E2E_ADMIN_TOKEN = "e2e-admin-token-not-a-secret";
