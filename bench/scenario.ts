// What a scenario is handed and gives back.
import type { Row } from "./report";
import type { ServerKind } from "./servers/types";

export interface Context {
  quick: boolean;
  /** Progress lines, printed as the scenario runs. */
  log(line: string): void;
  /** Raw figures for the JSON file, beside the table's rows. */
  detail(key: string, value: unknown): void;
  /** Extra environment for every Livechat server (DATA_DIR for durability). */
  livechatEnv: Record<string, string>;
}

export interface Scenario {
  name: string;
  title: string;
  run(context: Context): Promise<Row[]>;
}

export const KINDS: ServerKind[] = ["b-ws", "b-sio", "livechat"];
