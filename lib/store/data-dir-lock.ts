// One process per DATA_DIR: two servers writing one store would each keep live rooms
// the other cannot see. A LOCK file holds the owner's pid; a lock whose process is
// gone (after kill -9) is taken over.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export interface DataDirLock {
  release(): Promise<void>;
}

export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const file = path.join(dir, "LOCK");
  for (;;) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: "wx" });
      return { release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number((await readFile(file, "utf8").catch(() => "")).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
      throw new Error(
        `${dir} is in use by process ${holder}: two servers cannot share one DATA_DIR. Give each its own DATA_DIR, or stop that process (remove ${file} if no such process is a Livechat server).`,
      );
    }
    await rm(file, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
