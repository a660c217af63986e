// A process that holds idle sockets for cluster-scale.ts: one process may open only
// as many descriptors as `ulimit -n` allows (20,000 here), so 50,000 sockets are held
// by several. Told over IPC which node, which share of the socket numbers and which
// cookie, it connects and joins as cluster-scale.ts did in one process, answers
// "ready" with how many it holds, and closes them all when told to.
import { connectMany, sourceAddress } from "./client";
import { joinAll } from "./fanout";

export interface HoldRequest {
  url: string;
  /** The socket numbers this process holds: first, first + step, first + 2 step, ... below total. */
  first: number;
  step: number;
  total: number;
  cookie: string;
}

export type HolderReply = { type: "ready"; held: number } | { type: "failed"; message: string };

const reply = (message: HolderReply) => process.send!(message);

process.once("message", async (request: HoldRequest) => {
  try {
    const numbers: number[] = [];
    for (let n = request.first; n < request.total; n += request.step) numbers.push(n);
    const clients = await connectMany(numbers.length, (i) => ({ url: request.url, localAddress: sourceAddress(numbers[i]!), cookie: request.cookie }));
    // Ten per room, as in scenario 1: socket n is in room n / 10, whose ten sockets are on every node.
    await joinAll(clients, (i) => `idle-${Math.floor(numbers[i]! / 10)}`);
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
