// Removes the e2e server's throwaway data directory.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";

export default function globalTeardown() {
  const dir = process.env.LIVECHAT_E2E_DATA_DIR;
  if (dir && dir.startsWith(tmpdir())) rmSync(dir, { recursive: true, force: true });
}
