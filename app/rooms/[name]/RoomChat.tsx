"use client";
// The live room: history, members, composer, all fed by one Socket.IO connection.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import type { Message } from "@/lib/protocol";
import { getJson } from "../../utils/api";
import { Composer } from "./Composer";
import { canLoadOlder, emptyHistory, historyReducer, oldestSeq, visibleMessages } from "./history";
import { MessageList } from "./MessageList";
import { RoomAside } from "./RoomAside";
import { RoomHeader } from "./RoomHeader";
import { timeline } from "./timeline";
import { typingLine } from "./typing-line";
import { useOutbox } from "./useOutbox";
import { useRoomSocket } from "./useRoomSocket";

const PAGE_SIZE = 50;

export function RoomChat({ room, node }: { room: string; node: string }) {
  const [history, dispatch] = useReducer(historyReducer, emptyHistory);
  const { status, members, notices, you, socketNode, send, reconnect, typing, sayTyping, readMarker, markRead } = useRoomSocket(room, dispatch);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);

  const messages = useMemo(() => visibleMessages(history), [history]);
  const connected = status.state === "connected";
  const outbox = useOutbox(room, send, connected, messages);
  const items = useMemo(() => timeline(messages, notices), [messages, notices]);
  const before = oldestSeq(history);
  const newestSeq = messages.at(-1)?.seq ?? 0;
  const readAtOpen = useReadAtOpen(connected, readMarker);
  useMarkRead(connected, newestSeq, markRead);

  const loadOlder = useCallback(async () => {
    if (before === null) return false;
    setLoadingOlder(true);
    setOlderError(null);
    const url = `/api/rooms/${encodeURIComponent(room)}/messages?before=${before}&limit=${PAGE_SIZE}`;
    const result = await getJson<{ messages: Message[] }>(url);
    setLoadingOlder(false);
    if (!result.ok) {
      setOlderError(result.error.message);
      return false;
    }
    dispatch({ type: "older", messages: result.data.messages, requested: PAGE_SIZE });
    return result.data.messages.some((m) => m.seq < before);
  }, [before, room]);

  return (
    <div className="room">
      <RoomHeader room={room} node={node} socketNode={socketNode} you={you} status={status} onReconnect={reconnect} />
      <div className="room-body">
        <main id="main" className="chat">
          <MessageList
            room={room}
            items={items}
            readAtOpen={readAtOpen}
            ready={you !== null}
            you={you}
            canLoadOlder={canLoadOlder(history)}
            loadingOlder={loadingOlder}
            olderError={olderError}
            onLoadOlder={loadOlder}
            pending={{ items: outbox.pending, connected, onRetry: outbox.retry, onDiscard: outbox.discard }}
          />
          <p className="typing-line" aria-live="polite" data-testid="typing-line">
            {typingLine(typing, you?.username)}
          </p>
          <Composer connected={connected} onSend={outbox.queue} onTyping={sayTyping} />
        </main>
        <RoomAside members={members} you={you} onIdentityChanged={reconnect} />
      </div>
    </div>
  );
}

/** Where the person had read up to when the room opened: the "New messages" divider goes after it. */
function useReadAtOpen(connected: boolean, readMarker: () => Promise<number>): number | null {
  const [readAtOpen, setReadAtOpen] = useState<number | null>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (!connected || asked.current) return;
    asked.current = true;
    void readMarker().then(setReadAtOpen);
  }, [connected, readMarker]);
  return readAtOpen;
}

/** While the page is visible, what it shows is read: the marker follows the newest message. */
function useMarkRead(connected: boolean, newestSeq: number, markRead: (seq: number) => void): void {
  const sent = useRef(0);
  useEffect(() => {
    const mark = () => {
      if (!connected || newestSeq <= sent.current || document.visibilityState !== "visible") return;
      sent.current = newestSeq;
      markRead(newestSeq);
    };
    mark();
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [connected, newestSeq, markRead]);
}
