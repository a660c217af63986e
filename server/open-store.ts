// Picks the store the config asks for: the embedded one, journaled in DATA_DIR,
// or memory only when DATA_DIR is empty (demos: a restart forgets everything).
import path from "node:path";
import type { Logger } from "../lib/logger";
import { openJournaledStore } from "../lib/store/journaled";
import { MemoryStore } from "../lib/store/memory";
import type { Store } from "../lib/store/store";
import type { Config } from "./config";

export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (!config.dataDir) {
    logger.warn("DATA_DIR is empty: no journal, everything is kept in memory only and a restart forgets it");
    return new MemoryStore();
  }
  return openJournaledStore({ dir: path.join(config.dataDir, "journal"), logger });
}
