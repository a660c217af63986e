// Figure: memory stays bounded however many distinct rooms are used. Joins and
// leaves N distinct room names through a RegistryManager capped at MAX_LIVE_ROOMS
// and prints live workers and heap after each step.
// Run: node --expose-gc --import tsx bench/room-memory.ts [rooms=1000000] [cap=10000]
import { createLogger } from "../lib/logger";
import { RegistryManager } from "../lib/rooms/registry";
import { MemoryStore } from "../lib/store/memory";

const total = Number(process.argv[2] ?? 1_000_000);
const cap = Number(process.argv[3] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
};

const registry = new RegistryManager({
  store: new MemoryStore(),
  logger: createLogger({}, "silent"),
  historyWindow: 100,
  maxLiveRooms: cap,
  idleMs: 60_000,
});
const guest = { username: "anon", guest: true };
const startedAt = Date.now();
console.log(`rooms=0 live=0 heapMB=${heapMb()}`);
for (let i = 1; i <= total; i++) {
  const room = `room-${i}`;
  await registry.join(room, "conn-1", guest);
  await registry.leave(room, "conn-1");
  if (i % (total / 10) === 0) console.log(`rooms=${i} live=${registry.liveRooms} heapMB=${heapMb()} s=${(Date.now() - startedAt) / 1000}`);
}
await registry.close();
