// Only Socket.IO's upgrades become websockets: any other upgrade request is
// dropped at once, so no library that listens for upgrades (Next attaches one
// on its first request) is reachable by a websocket nobody meant to serve.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const SOCKET_IO_PATH = "/socket.io/";
/** Next 16's development hot-reload socket (`/_next/hmr`, formerly `/_next/webpack-hmr`); development only. */
const DEV_HMR_PATH = "/_next/hmr";

export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface UpgradeGateOptions {
  dev: boolean;
  /** False on a node without the web adapter: no Socket.IO listens, so its upgrades are dropped too. */
  socketIo?: boolean;
  /** Where the dev HMR upgrade goes (the pages' own upgrade handler). */
  hmr?: UpgradeListener;
}

/** An `upgrade` listener: Socket.IO's own listener handles its path; everything else is destroyed. */
export function upgradeGate({ dev, hmr, socketIo = true }: UpgradeGateOptions): UpgradeListener {
  return (req, socket, head) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (socketIo && path.startsWith(SOCKET_IO_PATH)) return;
    if (dev && hmr && path === DEV_HMR_PATH) return hmr(req, socket, head);
    socket.destroy();
  };
}
