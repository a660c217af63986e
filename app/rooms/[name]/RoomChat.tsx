"use client";
// The live room: history, members, composer, all fed by one Socket.IO connection.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { samePerson, type Message, type Role } from "@/lib/protocol";
import { normalizeReactionEmoji } from "@/lib/reaction-emoji";
import { roleOf } from "@/lib/rooms/roles";
import { getJson, postJson } from "../../utils/api";
import { Composer, type CommandHandler } from "./Composer";
import { ConversationProvider, type Conversation } from "./ConversationContext";
import { canLoadOlder, emptyHistory, historyReducer, oldestSeq, visibleMessages } from "./history";
import { MessageList } from "./MessageList";
import { PinnedList } from "./PinnedList";
import { ReplyBar } from "./ReplyBar";
import { RoomAside } from "./RoomAside";
import { RoomHeader } from "./RoomHeader";
import { RoomSearch } from "./RoomSearch";
import { RoomSettingsPanel } from "./RoomSettingsPanel";
import { timeline } from "./timeline";
import { typingLine } from "./typing-line";
import { useOutbox } from "./useOutbox";
import { useRoomSocket } from "./useRoomSocket";
import "./reading.css";

const PAGE_SIZE = 50;
/** Messages shown on each side of a search result reached from the search box. */
const CONTEXT = 10;
/** Showing a replied-to or pinned message loads older history this many messages a page, for at most this many pages. */
const REVEAL_PAGE = 200;
const REVEAL_PAGES = 10;

export function RoomChat({ room, node }: { room: string; node: string }) {
  const [history, dispatch] = useReducer(historyReducer, emptyHistory);
  const { status, members, notices, you, settings, socketNode, send, reconnect, ask, typing, sayTyping, readMarker, markRead } =
    useRoomSocket(room, dispatch);
  const role = you && settings ? (roleOf(settings, you) as Role) : null;
  const keeper = settings !== null && (role === "owner" || role === "moderator");
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);

  // A search result: shown in the live list when it is loaded there, else with its surroundings instead of the list.
  const [focus, setFocus] = useState<{ seq: number; around: Message[] | null } | null>(null);
  const [focusError, setFocusError] = useState<string | null>(null);

  const messages = useMemo(() => visibleMessages(history), [history]);
  const connected = status.state === "connected";
  const outbox = useOutbox(room, send, connected, messages);
  const items = useMemo(() => timeline(messages, notices), [messages, notices]);
  const aroundItems = useMemo(() => (focus?.around ? timeline(focus.around, []) : null), [focus]);
  const before = oldestSeq(history);
  const [replying, setReplying] = useState<Message | null>(null);
  const bySeq = useMemo(() => new Map(messages.map((message) => [message.seq, message])), [messages]);
  const find = useCallback((seq: number) => bySeq.get(seq), [bySeq]);
  // The reveal below loads pages one after another: it reads the newest history, not its render's.
  const historyRef = useRef(history);
  useEffect(() => {
    historyRef.current = history;
  }, [history]);
  const newestSeq = messages.at(-1)?.seq ?? 0;
  const readAtOpen = useReadAtOpen(connected, readMarker);
  useMarkRead(connected, newestSeq, markRead);
  const people = useMemo(() => members.filter((m) => !you || !samePerson(you, m)).map((m) => m.username), [members, you]);

  const jump = useCallback(
    async (seq: number) => {
      setFocusError(null);
      if (before !== null && seq >= before) {
        setFocus({ seq, around: null });
        return;
      }
      const url = `/api/rooms/${encodeURIComponent(room)}/messages?before=${seq + CONTEXT + 1}&limit=${2 * CONTEXT + 1}`;
      const result = await getJson<{ messages: Message[] }>(url);
      if (!result.ok) {
        setFocusError(result.error.message);
        return;
      }
      setFocus({ seq, around: result.data.messages });
    },
    [before, room],
  );

  /** Shows a message (a reply's original, a pinned one) in the live log, loading older pages until it is there. */
  const reveal = useCallback(
    async (seq: number) => {
      setFocusError(null);
      let oldest = oldestSeq(historyRef.current);
      for (let page = 0; oldest !== null && seq < oldest && page < REVEAL_PAGES; page++) {
        const result = await getJson<{ messages: Message[] }>(`/api/rooms/${encodeURIComponent(room)}/messages?before=${oldest}&limit=${REVEAL_PAGE}`);
        if (!result.ok) return setFocusError(result.error.message);
        dispatch({ type: "older", messages: result.data.messages, requested: REVEAL_PAGE });
        oldest = result.data.messages[0]?.seq ?? null;
      }
      // Further back than that: show it with its surroundings, as a search result.
      if (oldest !== null && seq < oldest) return jump(seq);
      setFocus({ seq, around: null });
    },
    [jump, room],
  );

  const conversation = useMemo<Conversation>(
    () => ({
      you,
      keeper,
      find,
      replyTo: (message) => {
        setReplying(message);
        // The reply is written in the composer: take the reader there.
        document.querySelector<HTMLTextAreaElement>(".composer textarea")?.focus();
      },
      reveal: (seq) => void reveal(seq),
      ask,
    }),
    [you, keeper, find, reveal, ask],
  );

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

  const onCommand: CommandHandler = useCallback(
    async (command) => {
      switch (command.kind) {
        case "help":
          return command.text;
        case "nick": {
          const renamed = await postJson("/api/auth/guest", { name: command.name });
          if (!renamed.ok) return renamed.error.message;
          reconnect();
          return null;
        }
        case "topic":
          return (await ask("room:configure", { topic: command.topic }))?.message ?? null;
        case "moderate": {
          const { action, username, reason, durationS } = command;
          return (await ask("room:moderate", { action, username, reason, durationS }))?.message ?? null;
        }
        case "reply":
          outbox.queue(command.content, command.seq);
          return null;
        case "edit":
          return (await ask("message:edit", { seq: command.seq, content: command.content }))?.message ?? null;
        case "delete":
          return (await ask("message:delete", { seq: command.seq }))?.message ?? null;
        case "react": {
          let emoji: string;
          try {
            emoji = normalizeReactionEmoji(command.emoji);
          } catch (error) {
            return (error as Error).message;
          }
          const users = find(command.seq)?.reactions?.find((reaction) => reaction.emoji === emoji)?.users ?? [];
          const on = !(you && users.includes(you.username));
          return (await ask("message:react", { seq: command.seq, emoji, on }))?.message ?? null;
        }
      }
    },
    [ask, reconnect, outbox, find, you],
  );

  return (
    <div className="room">
      <RoomHeader
        room={room}
        node={node}
        socketNode={socketNode}
        you={you}
        status={status}
        onReconnect={reconnect}
        topic={settings?.topic ?? ""}
        settingsOpen={keeper ? settingsOpen : undefined}
        onToggleSettings={() => setSettingsOpen((open) => !open)}
      />
      <div className="room-body">
        <main id="main" className="chat">
          <ConversationProvider value={conversation}>
          <MessageList
            room={room}
            items={aroundItems ?? items}
            readAtOpen={readAtOpen}
            ready={you !== null}
            you={you}
            canLoadOlder={aroundItems ? false : canLoadOlder(history)}
            loadingOlder={loadingOlder}
            olderError={olderError ?? focusError}
            onLoadOlder={loadOlder}
            pending={{ items: aroundItems ? [] : outbox.pending, connected, onRetry: outbox.retry, onDiscard: outbox.discard }}
            focus={focus ? { seq: focus.seq, inContext: aroundItems !== null, onBack: () => setFocus(null) } : null}
          />
          </ConversationProvider>
          <p className="typing-line" aria-live="polite" data-testid="typing-line">
            {typingLine(typing, you?.username)}
          </p>
          {replying ? <ReplyBar message={replying} onCancel={() => setReplying(null)} /> : null}
          <Composer
            connected={connected}
            joined={you !== null}
            people={people}
            onSend={(content) => {
              setFocus(null);
              outbox.queue(content, replying?.seq);
              setReplying(null);
            }}
            onCommand={onCommand}
            onTyping={sayTyping}
          />
        </main>
        {settingsOpen && settings && (role === "owner" || role === "moderator") ? (
          <RoomSettingsPanel room={room} role={role} settings={settings} members={members} ask={ask} onClose={() => setSettingsOpen(false)} />
        ) : null}
        <RoomAside members={members} you={you} onIdentityChanged={reconnect} search={<RoomSearch room={room} onJump={jump} />}
          pinned={settings ? <PinnedList room={room} pinned={settings.pinned} find={find} onChoose={(seq) => void reveal(seq)} /> : null}
        />
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
