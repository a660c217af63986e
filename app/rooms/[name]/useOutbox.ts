// Sends the outbox (see outbox.ts) over the room's connection: the oldest
// waiting message first, one at a time, whenever the page is joined. Messages
// already in the room's list are delivered, whatever their send said. The outbox
// is kept in the browser (outbox-storage.ts), so it survives a reload.
import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import type { Message } from "@/lib/protocol";
import { newClientId } from "../../utils/client-id";
import { emptyOutbox, nextToSend, outboxReducer, type OutboxItem } from "./outbox";
import { readOutbox, writeOutbox } from "./outbox-storage";
import type { SendOutcome } from "./useRoomSocket";

export function useOutbox(
  room: string,
  send: (content: string, clientId: string, replyTo?: number) => Promise<SendOutcome>,
  joined: boolean,
  messages: Message[],
) {
  const [items, dispatch] = useReducer(outboxReducer, emptyOutbox);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  const finished = useRef(new Set<string>());
  const previous = useRef<OutboxItem[]>(emptyOutbox);

  // What an earlier page of the room left unsent goes first.
  useEffect(() => {
    dispatch({ type: "restore", items: readOutbox(room) });
  }, [room]);

  // Kept in the browser as it changes; what left the outbox was delivered or discarded.
  useEffect(() => {
    const now = new Set(items.map((item) => item.clientId));
    for (const item of previous.current) if (!now.has(item.clientId)) finished.current.add(item.clientId);
    previous.current = items;
    writeOutbox(room, items, finished.current);
  }, [room, items]);

  const listed = useMemo(() => new Set(messages.map((message) => message.clientId)), [messages]);
  // Rendered and sent from this, so a message never shows as both stored and pending.
  const pending = useMemo(() => items.filter((item) => !listed.has(item.clientId)), [items, listed]);

  useEffect(() => {
    dispatch({ type: "delivered", clientIds: listed });
  }, [listed]);

  useEffect(() => {
    if (!joined) return;
    const next = nextToSend(pending);
    if (!next) return;
    const { clientId, content, replyTo } = next;
    dispatch({ type: "sending", clientId });
    void send(content, clientId, replyTo).then((outcome) => {
      switch (outcome.kind) {
        case "stored":
          dispatch({ type: "delivered", clientIds: [clientId] });
          return;
        case "failed":
          dispatch({ type: "failed", clientId, error: outcome.error });
          return;
        case "retry": {
          // The item stays "sending" while it waits, so later messages keep their place behind it.
          const timer = setTimeout(() => {
            timers.current.delete(timer);
            dispatch({ type: "retry", clientId, ...(outcome.note ? { note: outcome.note } : {}) });
          }, outcome.afterMs);
          timers.current.add(timer);
          return;
        }
        default: {
          const unknown: never = outcome;
          return unknown;
        }
      }
    });
  }, [joined, pending, send]);

  useEffect(() => {
    const pendingTimers = timers.current;
    return () => pendingTimers.forEach(clearTimeout);
  }, []);

  const queue = useCallback(
    (content: string, replyTo?: number) => dispatch({ type: "queue", clientId: newClientId(), content, ...(replyTo !== undefined ? { replyTo } : {}) }),
    [],
  );
  const retry = useCallback((clientId: string) => dispatch({ type: "retry", clientId }), []);
  const discard = useCallback((clientId: string) => dispatch({ type: "discard", clientId }), []);

  return { pending: pending as readonly OutboxItem[], queue, retry, discard };
}
