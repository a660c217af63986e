// Leaves of closed connections: after a grace, retried until recorded.
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../logger";
import { Departures, REJOIN_WAITS } from "./departures";

const logger = createLogger({}, "silent");

function departures(leave: (room: string, connectionId: string) => Promise<void>, graceMs = 5) {
  return new Departures({ leave, graceMs, retryMs: 5, maxRetryMs: 20, logger });
}

describe("departures", () => {
  it("records the leave of a closed connection once the grace is over", async () => {
    const left: string[] = [];
    const queue = departures(async (room, id) => void left.push(`${id}@${room}`));
    queue.depart("lobby", "c1");
    queue.depart("lobby", "c1");
    expect(left).toEqual([]);
    await vi.waitFor(() => expect(left).toEqual(["c1@lobby"]));
    expect(queue.pending).toBe(0);
  });

  // Guards issue 16: a leave that failed (room unavailable, evicted worker) was never retried.
  it("tries a failed leave again until it is recorded", async () => {
    let attempts = 0;
    const queue = departures(async () => {
      attempts += 1;
      if (attempts < 4) throw new Error("room_unavailable");
    });
    queue.depart("lobby", "c1");
    await vi.waitFor(() => expect(attempts).toBe(4));
    await vi.waitFor(() => expect(queue.pending).toBe(0));
  });

  // Guards issue 16 item 8: pages back from a storm rejoin a few per turn, many after the grace.
  it("waits while the person's reconnect is still on its way into the room, then records the leave", async () => {
    const events: string[] = [];
    let coming = 1;
    const queue = departures(async (room, id) => void events.push(`left ${id}@${room}`));
    queue.depart("lobby", "c1", () => {
      events.push("asked");
      return coming-- > 0;
    });
    await vi.waitFor(() => expect(events.at(-1)).toBe("left c1@lobby"));
    expect(events).toEqual(["asked", "asked", "left c1@lobby"]);
  });

  it("records the leave of a reconnect that never rejoins after at most REJOIN_WAITS graces more", async () => {
    const events: string[] = [];
    const queue = departures(async (room, id) => void events.push(`left ${id}@${room}`));
    queue.depart("lobby", "c1", () => {
      events.push("asked");
      return true;
    });
    await vi.waitFor(() => expect(events.at(-1)).toBe("left c1@lobby"));
    expect(events).toEqual([...Array.from({ length: REJOIN_WAITS }, () => "asked"), "left c1@lobby"]);
    expect(queue.pending).toBe(0);
  });

  it("records every pending leave at once when closed, and takes no more", async () => {
    const left: string[] = [];
    const queue = departures(async (room, id) => void left.push(`${id}@${room}`), 60_000);
    queue.depart("a", "c1");
    queue.depart("b", "c1");
    await queue.close();
    expect(left.sort()).toEqual(["c1@a", "c1@b"]);
    queue.depart("c", "c2");
    expect(queue.pending).toBe(0);
  });
});
