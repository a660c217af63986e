// Test support: what a test does with a socket.io-client connection in one line:
// emit any event and wait for its ack, insist on an ok ack, wait for a push, keep the newest list.
import type { Ack, JoinReply, RoomMessagesPush, ServerToClientEvents } from "../../lib/protocol";
import type { TestClient } from "./test-server";

/** How long a test waits for an ack or a push before it fails. */
const WAIT_MS = 5000;

/** Emits `event` (any name: tests send what a client could) and resolves with its ack; rejects after `timeoutMs` without one. */
export function emitAck<T extends object = object>(client: TestClient, event: string, payload: unknown, timeoutMs = WAIT_MS): Promise<Ack<T>> {
  const raw = client as unknown as { timeout(ms: number): { emitWithAck(event: string, payload: unknown): Promise<Ack<T>> } };
  return raw.timeout(timeoutMs).emitWithAck(event, payload);
}

/** The ack's fields, or a failure that shows the refusal. */
export function okOf<T extends object>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`expected ok, got ${JSON.stringify(ack.error)}`);
  return ack;
}

/** Joins `room`, or fails with the refusal. */
export async function joinRoom(client: TestClient, room: string): Promise<JoinReply> {
  return okOf(await emitAck<JoinReply>(client, "room:join", { room }));
}

/** The next `event` push on `client` that `predicate` accepts. */
export function nextPush<E extends keyof ServerToClientEvents>(
  client: TestClient,
  event: E,
  predicate: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching ${event} push`)), WAIT_MS);
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      (client as unknown as { off(e: string, l: unknown): void }).off(event, listener);
      resolve(payload);
    };
    (client as unknown as { on(e: string, l: unknown): void }).on(event, listener);
  });
}

/** The newest room:messages push the client got, kept up to date. */
export function latestList(client: TestClient): { current?: RoomMessagesPush } {
  const holder: { current?: RoomMessagesPush } = {};
  client.on("room:messages", (push) => {
    holder.current = push;
  });
  return holder;
}
