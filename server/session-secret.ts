// SESSION_SECRET when the operator set none: generated once and kept in DATA_DIR,
// so sessions survive restarts without a secret in the repo or the environment.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SessionSecrets } from "../lib/accounts/session";
import type { Logger } from "../lib/logger";
import type { Config } from "./config";

const FILE = "session-secret";

/** The secrets sessions are sealed and read with: SESSION_SECRET first, then SESSION_SECRET_PREVIOUS. */
export async function resolveSessionSecrets(config: Config, logger: Logger): Promise<SessionSecrets> {
  if (config.sessionSecret) return [config.sessionSecret, ...config.previousSessionSecrets];
  return [await generatedSecret(config, logger)];
}

async function generatedSecret(config: Config, logger: Logger): Promise<string> {
  if (!config.dataDir) {
    logger.warn("SESSION_SECRET is unset and DATA_DIR is empty: sessions end when this process stops");
    return randomBytes(32).toString("base64url");
  }
  const file = path.join(config.dataDir, FILE);
  const kept = await readFile(file, "utf8").catch(() => undefined);
  if (kept && kept.trim().length >= 32) return kept.trim();
  const secret = randomBytes(32).toString("base64url");
  await mkdir(config.dataDir, { recursive: true });
  await writeFile(file, secret + "\n", { mode: 0o600 });
  logger.info("SESSION_SECRET is unset: generated one and kept it in DATA_DIR", { file });
  return secret;
}
