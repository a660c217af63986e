// A vitest setup file (see vitest.config.ts): FC_SEED replays a failed property run.
import { replaySeedFromEnv } from "./seed";

replaySeedFromEnv();
