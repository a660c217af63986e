// Presence converges: whatever joins, leaves, disconnects, room crashes and evictions
// happen, in whatever interleaving, once things settle every room lists exactly the
// people who have an open connection in it. Guards issue 16: after a flood, 18 of 40
// rooms still listed guests whose sockets were long gone, because a leave that failed
// (room unavailable, evicted worker) was never retried and nothing swept.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../logger";
import type { Identity } from "../protocol";
import { RegistryManager } from "../rooms/registry";
import { MemoryPresence } from "./memory";
import { MemoryStore } from "../store/memory";
import { Departures } from "./departures";

const ROOMS = ["r0", "r1", "r2", "r3"];
const CONNECTIONS = 8;
/** Two tabs per person: a person stays while any tab is in the room. */
const identityOf = (connection: number): Identity => ({ username: `p${connection % 4}`, guest: true });

type Action =
  | { kind: "join"; connection: number; room: string }
  | { kind: "leave"; connection: number; room: string }
  | { kind: "disconnect"; connection: number }
  | { kind: "reconnect"; connection: number }
  | { kind: "crash"; room: string }
  | { kind: "evict"; n: number };

const connection = fc.integer({ min: 0, max: CONNECTIONS - 1 });
const room = fc.constantFrom(...ROOMS);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("join" as const), connection, room }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("leave" as const), connection, room }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("disconnect" as const), connection }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("reconnect" as const), connection }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("crash" as const), room }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("evict" as const), n: fc.nat(1_000) }) },
);

/** One node: the registry, its departures, and the connections as a transport keeps them. */
function node() {
  const logger = createLogger({}, "silent");
  const tables = new Map<string, MemoryPresence>();
  const registry = new RegistryManager({
    store: new MemoryStore(),
    logger,
    historyWindow: 10,
    // Fewer live workers than rooms in use, so "evict" actions meet a full server.
    maxLiveRooms: 3,
    idleMs: 60_000,
    createPresence: (name) => {
      const table = new MemoryPresence();
      tables.set(name, table);
      return table;
    },
  });
  const departures = new Departures({ leave: (name, id) => registry.leave(name, id), graceMs: 1, retryMs: 1, maxRetryMs: 5, logger });
  /** Open connections (by id) and the rooms each is in, as Socket.IO's topics would say. */
  const open = new Map<string, Set<string>>();
  const generation = new Map<number, number>();
  const idOf = (n: number) => `c${n}-${generation.get(n) ?? 0}`;

  const run = async (step: Action): Promise<void> => {
    switch (step.kind) {
      case "join": {
        const id = idOf(step.connection);
        const rooms = open.get(id);
        if (!rooms) return;
        const already = rooms.has(step.room);
        rooms.add(step.room);
        try {
          await registry.join(step.room, id, identityOf(step.connection));
        } catch {
          // As ChatService.join: a refused join again of a room it is in leaves the connection there.
          if (!already) rooms.delete(step.room);
        }
        return;
      }
      case "leave": {
        const id = idOf(step.connection);
        if (!open.get(id)?.delete(step.room)) return;
        await registry.leave(step.room, id).catch(() => departures.depart(step.room, id));
        return;
      }
      case "disconnect": {
        const id = idOf(step.connection);
        const rooms = open.get(id);
        if (!rooms) return;
        open.delete(id);
        for (const name of rooms) departures.depart(name, id);
        return;
      }
      case "reconnect": {
        if (open.has(idOf(step.connection))) return;
        generation.set(step.connection, (generation.get(step.connection) ?? 0) + 1);
        open.set(idOf(step.connection), new Set());
        return;
      }
      case "crash":
        await registry.crash(step.room).catch(() => {});
        return;
      case "evict":
        // A room nobody is in, made live: it takes a worker slot, or is refused at the cap.
        await registry.send(`extra-${step.n}`, { author: { username: "x", guest: true }, content: "x" }).catch(() => {});
        return;
    }
  };

  const sweep = () => {
    for (const { room: name, connectionId } of registry.staleConnections((id) => open.has(id))) departures.depart(name, connectionId);
  };

  const expected = (name: string) =>
    [...new Set([...open].filter(([, rooms]) => rooms.has(name)).map(([id]) => `p${Number(id.slice(1, id.indexOf("-"))) % 4}`))].sort();
  const actual = (name: string) => (tables.get(name)?.members() ?? []).map((member) => member.username).sort();

  for (let n = 0; n < CONNECTIONS; n++) open.set(idOf(n), new Set());
  return { registry, departures, run, sweep, expected, actual };
}

describe("presence", () => {
  it("converges to the open connections after any joins, leaves, disconnects, crashes and evictions", { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(action, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 }), async (batches) => {
        const { registry, departures, run, sweep, expected, actual } = node();
        try {
          // Actions in a batch run concurrently: their operations interleave in the mailboxes.
          for (const batch of batches) await Promise.all(batch.map(run));
          sweep();
          await vi.waitFor(() => expect(departures.pending).toBe(0), { timeout: 5_000, interval: 2 });
          for (const name of ROOMS) expect(actual(name), `room ${name}`).toEqual(expected(name));
        } finally {
          await departures.close();
          await registry.close();
        }
      }),
      { numRuns: 200 },
    );
  });
});
