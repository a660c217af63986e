"use client";
// The live room: history, members, composer, all fed by one Socket.IO connection.
import { useCallback, useMemo, useReducer, useState } from "react";
import type { Message } from "@/lib/protocol";
import { getJson } from "../../utils/api";
import { Composer } from "./Composer";
import { canLoadOlder, emptyHistory, historyReducer, oldestSeq, visibleMessages } from "./history";
import { MessageList } from "./MessageList";
import { RoomAside } from "./RoomAside";
import { RoomHeader } from "./RoomHeader";
import { timeline } from "./timeline";
import { useOutbox } from "./useOutbox";
import { useRoomSocket } from "./useRoomSocket";

const PAGE_SIZE = 50;

export function RoomChat({ room, node }: { room: string; node: string }) {
  const [history, dispatch] = useReducer(historyReducer, emptyHistory);
  const { status, members, notices, you, socketNode, send, reconnect } = useRoomSocket(room, dispatch);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);

  const messages = useMemo(() => visibleMessages(history), [history]);
  const connected = status.state === "connected";
  const outbox = useOutbox(send, connected, messages);
  const items = useMemo(() => timeline(messages, notices), [messages, notices]);
  const before = oldestSeq(history);

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
            ready={you !== null}
            you={you}
            canLoadOlder={canLoadOlder(history)}
            loadingOlder={loadingOlder}
            olderError={olderError}
            onLoadOlder={loadOlder}
            pending={{ items: outbox.pending, connected, onRetry: outbox.retry, onDiscard: outbox.discard }}
          />
          <Composer connected={connected} onSend={outbox.queue} />
        </main>
        <RoomAside members={members} you={you} onIdentityChanged={reconnect} />
      </div>
    </div>
  );
}
