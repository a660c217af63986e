// Helpers shared by the delivery tests (rate limit, slow consumer, reconnect
// storm): acks in the contract's shape, polling, and what a client was shown.
import type { Ack, JoinReply, Message, RoomMessagesPush, SendReply } from "../../lib/protocol";
import type { TestClient } from "./test-server";

export { okOf } from "./socket-calls";

export const join = (client: TestClient, room: string) =>
  client.timeout(10_000).emitWithAck("room:join", { room }) as Promise<Ack<JoinReply>>;

export const send = (client: TestClient, room: string, content: string, clientId?: string) =>
  client.timeout(10_000).emitWithAck("message:send", { room, content, ...(clientId ? { clientId } : {}) }) as Promise<
    Ack<SendReply>
  >;

/** Resolves once `predicate` holds, checking every 20 ms; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 10_000, what = "the condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every message a client was shown in a room (union of all pushes), by seq. */
export function collectMessages(client: TestClient, room: string): Map<number, Message> {
  const seen = new Map<number, Message>();
  client.on("room:messages", (push: RoomMessagesPush) => {
    if (push.room !== room) return;
    for (const message of push.messages) seen.set(message.seq, message);
  });
  return seen;
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
