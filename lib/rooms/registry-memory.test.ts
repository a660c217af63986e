// However many distinct room names are used, live workers stay within the cap and
// memory stays flat: idle rooms stop and their history stays in the store.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, expect, it } from "vitest";
import { createLogger } from "../logger";
import { MemoryStore } from "../store/memory";
import { RegistryManager } from "./registry";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heapUsedMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

let registry: RegistryManager | undefined;
afterEach(async () => {
  await registry?.close();
});

it("keeps at most MAX_LIVE_ROOMS workers and a flat heap through 100,000 distinct rooms", async () => {
  const store = new MemoryStore();
  const cap = 100;
  registry = new RegistryManager({
    store,
    logger: createLogger({}, "silent"),
    historyWindow: 50,
    maxLiveRooms: cap,
    idleMs: 60_000,
  });
  const guest = { username: "anon", guest: true };
  const visit = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      await registry!.join(`many-${i}`, "conn-1", guest);
      await registry!.leave(`many-${i}`, "conn-1");
      expect(registry!.liveRooms).toBeLessThanOrEqual(cap);
    }
  };
  await registry.send("kept", { author: guest, content: "still here later" });
  await visit(0, 10_000);
  const before = heapUsedMb();
  await visit(10_000, 100_000);
  // A leak of one worker per room would be over 100 MB here (about 1.6 KB each).
  expect(heapUsedMb() - before).toBeLessThan(20);
  expect((await registry.messages("kept")).map((message) => message.content)).toEqual(["still here later"]);
});
