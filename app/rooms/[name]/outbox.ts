// The room page's outbox: messages written here that the server has not
// confirmed yet. Each keeps its clientId from the moment it is written, so
// however often it is sent (reconnects, timeouts, Retry) it is stored once.
// An item leaves when its send is acknowledged or when a pushed list holds
// its clientId, whichever comes first.
import type { ErrorBody } from "@/lib/protocol";

export interface OutboxItem {
  clientId: string;
  content: string;
  /** The seq of the message it answers. */
  replyTo?: number;
  /** waiting: for a connection or its turn; sending: one send in flight; failed: the server refused it. */
  state: "waiting" | "sending" | "failed";
  error?: ErrorBody;
  /** Why a send is taking longer than usual (rate limited, room restarting). */
  note?: string;
}

export type OutboxAction =
  | { type: "queue"; clientId: string; content: string; replyTo?: number }
  | { type: "sending"; clientId: string }
  /** Back in line: the connection dropped, the ack timed out, or the person pressed Retry. */
  | { type: "retry"; clientId: string; note?: string }
  | { type: "failed"; clientId: string; error: ErrorBody }
  /** Stored: acknowledged, or seen in a pushed list. */
  | { type: "delivered"; clientIds: Iterable<string | undefined> }
  | { type: "discard"; clientId: string }
  /** Messages kept in the browser by an earlier page of the room (a reload, a closed tab): first in line. */
  | { type: "restore"; items: ReadonlyArray<{ clientId: string; content: string; replyTo?: number }> };

export const emptyOutbox: OutboxItem[] = [];

export function outboxReducer(items: OutboxItem[], action: OutboxAction): OutboxItem[] {
  switch (action.type) {
    case "queue":
      if (items.some((item) => item.clientId === action.clientId)) return items;
      return [
        ...items,
        { clientId: action.clientId, content: action.content, state: "waiting", ...(action.replyTo !== undefined ? { replyTo: action.replyTo } : {}) },
      ];
    case "sending":
      return update(items, action.clientId, (item) => (item.state === "waiting" ? { ...item, state: "sending" } : item));
    case "retry":
      return update(items, action.clientId, ({ clientId, content, replyTo }) => ({
        clientId,
        content,
        ...(replyTo !== undefined ? { replyTo } : {}),
        state: "waiting",
        ...(action.note ? { note: action.note } : {}),
      }));
    case "failed":
      return update(items, action.clientId, (item) => ({ ...item, state: "failed", error: action.error }));
    case "delivered": {
      const delivered = new Set(action.clientIds);
      const kept = items.filter((item) => !delivered.has(item.clientId));
      return kept.length === items.length ? items : kept;
    }
    case "discard":
      return items.filter((item) => item.clientId !== action.clientId);
    case "restore": {
      const known = new Set(items.map((item) => item.clientId));
      const restored = action.items
        .filter((item) => !known.has(item.clientId))
        .map(({ clientId, content, replyTo }): OutboxItem => ({ clientId, content, ...(replyTo !== undefined ? { replyTo } : {}), state: "waiting" }));
      return restored.length === 0 ? items : [...restored, ...items];
    }
    default: {
      const unknown: never = action;
      return unknown;
    }
  }
}

/** The item to send now: the oldest waiting one, once nothing is in flight (sends keep the order written). */
export function nextToSend(items: OutboxItem[]): OutboxItem | undefined {
  if (items.some((item) => item.state === "sending")) return undefined;
  return items.find((item) => item.state === "waiting");
}

function update(items: OutboxItem[], clientId: string, change: (item: OutboxItem) => OutboxItem): OutboxItem[] {
  let changed = false;
  const next = items.map((item) => {
    if (item.clientId !== clientId) return item;
    const updated = change(item);
    changed ||= updated !== item;
    return updated;
  });
  return changed ? next : items;
}
