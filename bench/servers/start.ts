import { startBareHttp } from "./bare-http";
import { startBaselineSio } from "./baseline-sio";
import { startBaselineWs } from "./baseline-ws";
import { startLivechat } from "./livechat";
import type { BenchServer, ServerKind, BenchServerOptions } from "./types";

export function startServer(kind: ServerKind, options: BenchServerOptions): Promise<BenchServer> {
  switch (kind) {
    case "b-ws":
      return startBaselineWs(options);
    case "b-sio":
      return startBaselineSio(options);
    case "bare-http":
      return startBareHttp(options);
    case "livechat":
      return startLivechat(options);
  }
}
