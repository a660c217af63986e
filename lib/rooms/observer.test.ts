// What the rooms report to their observer (the source of /api/metrics): every stored
// message once, one report per push however many messages it carries, every restart.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../logger";
import type { Identity } from "../protocol";
import { MemoryStore } from "../store/memory";
import { PushLog } from "../testing/fakes";
import type { RoomObserver } from "./observer";
import { RegistryManager } from "./registry";

const gage: Identity = { username: "gage", guest: false };
const registries: RegistryManager[] = [];

afterEach(async () => {
  await Promise.all(registries.splice(0).map((registry) => registry.close()));
});

function startObserved() {
  const seen = { stored: [] as string[], pushes: [] as number[][], restarts: [] as string[] };
  const observer: RoomObserver = {
    messageStored: (room) => seen.stored.push(room),
    messagesPushed: (_room, waitedMs) => seen.pushes.push([...waitedMs]),
    roomRestarted: (room) => seen.restarts.push(room),
  };
  const pushes = new PushLog();
  const registry = new RegistryManager({
    store: new MemoryStore(),
    pushes: pushes.bus,
    logger: createLogger({}, "silent"),
    historyWindow: 50,
    maxLiveRooms: 100,
    idleMs: 60_000,
    observer,
  });
  registries.push(registry);
  return { registry, seen, pushes };
}

describe("the room observer", () => {
  it("hears of a burst of sends as that many stored messages and one push carrying a wait for each", async () => {
    const { registry, seen, pushes } = startObserved();
    await Promise.all(["one", "two", "three"].map((content) => registry.send("observed", { author: gage, content })));
    await vi.waitFor(() => expect(pushes.of("room:messages").length).toBeGreaterThan(0));
    expect(seen.stored).toEqual(["observed", "observed", "observed"]);
    expect(seen.pushes).toHaveLength(pushes.of("room:messages").length);
    expect(seen.pushes.flat()).toHaveLength(3);
    for (const waited of seen.pushes.flat()) expect(waited).toBeGreaterThanOrEqual(0);
  });

  it("does not hear of a message sent again with the same clientId", async () => {
    const { registry, seen } = startObserved();
    await registry.send("observed", { author: gage, content: "once", clientId: "c-1" });
    await registry.send("observed", { author: gage, content: "once", clientId: "c-1" });
    expect(seen.stored).toHaveLength(1);
  });

  it("hears of each restart the supervisor makes", async () => {
    const { registry, seen } = startObserved();
    await registry.crash("observed");
    await vi.waitFor(() => expect(seen.restarts).toEqual(["observed"]));
    expect(registry.restarts).toBe(1);
  });
});
