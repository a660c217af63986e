// A process that holds idle sockets for cluster-scale.ts: one process may open only
// as many descriptors as `ulimit -n` allows (20,000 here), so 50,000 sockets are held
// by several. Told over IPC which node, which share of the socket numbers and which
// cookie, it connects and joins as cluster-scale.ts did in one process, answers
// "ready" with how many it holds, and closes them all when told to.
import { connectMany, sourceAddress, type BenchClient } from "./client";

export interface HoldRequest {
  url: string;
  /** The socket numbers this process holds: first, first + step, first + 2 step, ... below total. */
  first: number;
  step: number;
  total: number;
  cookie: string;
}

export type HolderReply = { type: "ready"; held: number } | { type: "failed"; message: string };

/**
 * A handshake that times out, or a join refused as room_unavailable (the store busy
 * with 5,000 rooms going live at once), is tried again a second later, as a page does.
 */
const RETRIES = 10;
/** Joins in flight per holder: 200 kept queries waiting past the pool's 5 s for a connection. */
const JOINS_AT_ONCE = 50;

async function joinPatiently(client: BenchClient, room: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const answer = await client.emit("room:join", { room });
    if (answer.ok) return;
    if (answer.error.code !== "room_unavailable" || attempt > RETRIES) throw new Error(`join refused: ${answer.error.code} ${answer.error.message}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

const reply = (message: HolderReply) => process.send!(message);

process.once("message", async (request: HoldRequest) => {
  try {
    const numbers: number[] = [];
    for (let n = request.first; n < request.total; n += request.step) numbers.push(n);
    const clients = await connectMany(numbers.length, (i) => ({ url: request.url, localAddress: sourceAddress(numbers[i]!), cookie: request.cookie }), { parallel: 25, retries: RETRIES });
    // Ten per room, as in scenario 1: socket n is in room n / 10, whose ten sockets are on every node.
    let next = 0;
    const joiner = async () => {
      while (next < clients.length) {
        const i = next++;
        await joinPatiently(clients[i]!, `idle-${Math.floor(numbers[i]! / 10)}`);
      }
    };
    await Promise.all(Array.from({ length: JOINS_AT_ONCE }, joiner));
    reply({ type: "ready", held: clients.length });
    process.once("message", () => {
      for (const client of clients) client.close();
      process.exit(0);
    });
  } catch (error) {
    reply({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
});
