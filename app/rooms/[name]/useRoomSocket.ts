// The room page's live connection: joins on every (re)connect, turns pushes
// into state, and sends messages. The socket exists only while the page is
// mounted (created in the effect, closed in its cleanup).
//
// Reconnects back off with jitter: 0.5 s doubling to at most 10 s, each delay
// randomised by ±50%, so a thousand pages dropped at once do not come back at
// once. Socket.IO's connection state recovery is not used: every reconnect goes
// through the handshake's auth and a fresh join, which answers the full list.
// The browser's offline event closes the socket at once (Chromium keeps an open
// websocket through a network change for a long while), and its online event
// reconnects at once instead of waiting out the back-off.
import { useCallback, useEffect, useRef, useState, type Dispatch } from "react";
import { io, type Socket } from "socket.io-client";
import { ACK_TIMEOUT_MS, errorBodyOf, joinRetryDelayMs } from "@/lib/client-policy";
import type {
  Ack,
  ClientToServerEvents,
  ErrorBody,
  Identity,
  JoinReply,
  Member,
  RoomSettings,
  ServerToClientEvents,
} from "@/lib/protocol";
import { getJson } from "../../utils/api";
import { localReadMarker, saveLocalReadMarker } from "../local-rooms";
import type { HistoryAction } from "./history";
import { watchSilence } from "./silence";
import type { Notice } from "./timeline";

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type ConnectionState = "connecting" | "connected" | "disconnected";

export interface ConnectionStatus {
  state: ConnectionState;
  text: string;
  /** Socket.IO will not retry by itself; offer a button. */
  canRetry: boolean;
}

/** A send that got no answer while still connected is sent again (same clientId) after this. */
const RESEND_AFTER_MS = 1_000;
/** rate_limited or room_unavailable: try again after this. */
const BACK_OFF_MS = 1_000;
const RECONNECTION = { reconnectionDelay: 500, reconnectionDelayMax: 10_000, randomizationFactor: 0.5 };
const NOTICE_LIMIT = 20;
/** While the server cannot reach its store (room_unavailable), the page tries again this often. */
const UNAVAILABLE_RETRY_MS = 3_000;

const CONNECTING: ConnectionStatus = { state: "connecting", text: "Connecting…", canRetry: false };
const RECONNECTING: ConnectionStatus = { state: "connecting", text: "Reconnecting…", canRetry: false };
const CONNECTED: ConnectionStatus = { state: "connected", text: "Connected", canRetry: false };
const OFFLINE: ConnectionStatus = { state: "disconnected", text: "Offline. Waiting for the network…", canRetry: true };

/** The changes a page asks for and waits on; what changed comes back as pushes. */
export type AskEvent = "room:configure" | "room:moderate" | "message:edit" | "message:delete" | "message:react" | "message:pin";

/** What became of one send: stored, worth sending again (same clientId), or refused for good. */
export type SendOutcome =
  | { kind: "stored" }
  | { kind: "retry"; afterMs: number; note?: string }
  | { kind: "failed"; error: ErrorBody };

export function useRoomSocket(room: string, dispatch: Dispatch<HistoryAction>) {
  const [status, setStatus] = useState<ConnectionStatus>(CONNECTING);
  const [members, setMembers] = useState<Member[]>([]);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [you, setYou] = useState<Identity | null>(null);
  const [socketNode, setSocketNode] = useState<string | null>(null);
  const [settings, setSettings] = useState<RoomSettings | null>(null);
  const [typing, setTyping] = useState<string[]>([]);
  const socketRef = useRef<ChatSocket | null>(null);
  const joinRef = useRef<(() => Promise<Ack<JoinReply> | null>) | null>(null);

  useEffect(() => {
    // WebSocket first saves the long-polling handshake and upgrade; a network that blocks
    // WebSockets still gets long-polling (tryAllTransports).
    const socket: ChatSocket = io({
      withCredentials: true,
      autoConnect: false,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      ...RECONNECTION,
    });
    socketRef.current = socket;
    let disposed = false;
    let pushedSinceJoin = false;
    let noticeId = 0;

    async function join(attempt = 0): Promise<Ack<JoinReply> | null> {
      pushedSinceJoin = false;
      let reply: Ack<JoinReply>;
      try {
        // An invite link (?invite=) lets its holder into a private room.
        const invite = new URLSearchParams(window.location.search).get("invite") ?? undefined;
        reply = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck("room:join", { room, ...(invite ? { invite } : {}) });
      } catch {
        if (!disposed && socket.connected) {
          setStatus({ state: "connecting", text: "The server is slow to answer. Reconnecting…", canRetry: false });
          socket.disconnect().connect();
        }
        return null;
      }
      if (disposed) return null;
      if (!reply.ok) {
        const retryAfterMs = joinRetryDelayMs(reply.error, attempt);
        if (retryAfterMs !== undefined) {
          await delay(retryAfterMs);
          return disposed ? null : join(attempt + 1);
        }
        if (reply.error.code === "room_unavailable" || reply.error.code === "rate_limited") {
          // The server's store is out of reach (PostgreSQL, with several nodes), the server is full,
          // or this address joined too much at once (JOIN_RATE): say so and keep trying.
          setStatus({ state: "connecting", text: reply.error.message, canRetry: false });
          await delay(UNAVAILABLE_RETRY_MS);
          return disposed || !socket.connected ? null : join(attempt + 1);
        }
        setStatus({ state: "disconnected", text: reply.error.message, canRetry: true });
        return reply;
      }
      // A push that overtook this answer is newer than the answer's snapshot.
      dispatch({ type: "window", messages: reply.messages, force: !pushedSinceJoin });
      setMembers(reply.members);
      setYou(reply.you);
      setSettings(reply.settings);
      setSocketNode(reply.node);
      setStatus(CONNECTED);
      return reply;
    }
    joinRef.current = join;

    socket.on("connect", () => {
      if (!disposed) void join();
    });
    socket.on("disconnect", (reason) => {
      if (disposed) return;
      if (!navigator.onLine) {
        setStatus(OFFLINE);
      } else if (reason === "io server disconnect") {
        setStatus({ state: "disconnected", text: "The server closed the connection.", canRetry: true });
      } else {
        setStatus(RECONNECTING);
      }
    });
    socket.on("connect_error", (err) => {
      if (disposed) return;
      const refused = errorBodyOf((err as Error & { data?: unknown }).data);
      if (socket.active) {
        setStatus({ state: "connecting", text: refused?.message ?? "Cannot reach the server. Retrying…", canRetry: false });
      } else if (refused?.code === "room_unavailable" || refused?.code === "rate_limited") {
        // Refused only until the server reaches its store again, or until this address has
        // fewer connections open (MAX_CONNECTIONS_PER_ADDRESS): try again by itself.
        setStatus({ state: "connecting", text: refused.message, canRetry: false });
        setTimeout(() => {
          if (!disposed && !socket.connected) socket.connect();
        }, UNAVAILABLE_RETRY_MS);
      } else {
        // The handshake was refused (e.g. name_taken): Socket.IO does not retry that.
        setStatus({ state: "disconnected", text: refused?.message ?? err.message, canRetry: true });
      }
    });
    socket.on("room:messages", (push) => {
      if (push.room !== room) return;
      pushedSinceJoin = true;
      dispatch({ type: "window", messages: push.messages });
    });
    socket.on("room:message", (push) => {
      if (push.room === room) dispatch({ type: "changed", message: push.message });
    });
    socket.on("room:typing", (push) => {
      if (push.room === room) setTyping(push.users);
    });
    socket.on("room:presence", (push) => {
      if (push.room === room) setMembers(push.members);
    });
    socket.on("room:notice", (push) => {
      if (push.room !== room) return;
      const notice: Notice = { ...push, id: ++noticeId };
      setNotices((previous) => [...previous, notice].slice(-NOTICE_LIMIT));
    });
    socket.on("room:settings", (push) => {
      if (push.room !== room) return;
      setSettings(push.settings);
    });
    socket.on("room:removed", (push) => {
      if (push.room !== room) return;
      const why = push.reason ? ` (${push.reason})` : "";
      const text = push.banned ? `${push.by} banned you from this room${why}.` : `${push.by} removed you from this room${why}. You may join again.`;
      setStatus({ state: "disconnected", text, canRetry: !push.banned });
    });
    socket.on("room:deleted", (push) => {
      if (push.room !== room) return;
      dispatch({ type: "reset" });
      setStatus({ state: "disconnected", text: "This room was deleted.", canRetry: true });
    });
    const goneOffline = () => {
      setStatus(OFFLINE);
      socket.disconnect();
    };
    const backOnline = () => {
      if (socket.connected) return;
      setStatus(RECONNECTING);
      socket.disconnect().connect();
    };
    window.addEventListener("offline", goneOffline);
    window.addEventListener("online", backOnline);
    // A frozen server is noticed by its missing pings (silence.ts).
    const stopWatchdog = watchSilence(socket, () => {
      setStatus(RECONNECTING);
      socket.disconnect().connect();
    });
    // Asking who we are first begins a guest's session (its cookie), so the messages this
    // page sends stay the guest's own across reconnects; the socket connects either way.
    void getJson("/api/auth/me").finally(() => {
      if (!disposed) socket.connect();
    });

    return () => {
      disposed = true;
      stopWatchdog();
      window.removeEventListener("offline", goneOffline);
      window.removeEventListener("online", backOnline);
      joinRef.current = null;
      socketRef.current = null;
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [room, dispatch]);

  /** Sends one message once; the outbox decides what to do with the outcome. */
  const send = useCallback(
    async (content: string, clientId: string, replyTo?: number): Promise<SendOutcome> => {
      const socket = socketRef.current;
      if (!socket?.connected) return { kind: "retry", afterMs: 0 };
      let reply: Ack<{ message: unknown }>;
      try {
        reply = await socket
          .timeout(ACK_TIMEOUT_MS)
          .emitWithAck("message:send", { room, content, clientId, ...(replyTo !== undefined ? { replyTo } : {}) });
      } catch {
        // No answer: a timeout, or the connection dropped (then it waits for the next one).
        return { kind: "retry", afterMs: socket.connected ? RESEND_AFTER_MS : 0 };
      }
      if (reply.ok) return { kind: "stored" };
      switch (reply.error.code) {
        case "rate_limited":
          return { kind: "retry", afterMs: BACK_OFF_MS, note: "Sending slowly: too many messages at once." };
        case "room_unavailable":
          // The room is restarting, or the server cannot reach its store: its sentence says which.
          return { kind: "retry", afterMs: BACK_OFF_MS, note: reply.error.message };
        case "not_joined": {
          const joined = await joinRef.current?.();
          return { kind: "retry", afterMs: joined?.ok ? 0 : BACK_OFF_MS };
        }
        default:
          return { kind: "failed", error: reply.error };
      }
    },
    [room],
  );

  /** Reconnects so the server reads the (changed) identity from the session cookie again. */
  const reconnect = useCallback(() => {
    const socket = socketRef.current;
    if (!socket) return;
    setStatus(RECONNECTING);
    socket.disconnect().connect();
  }, []);

  /** Asks for a room change (settings, moderation, a message's edit, delete, reaction or pin); answers the server's refusal, if any. */
  const ask = useCallback(
    async (event: AskEvent, payload: object): Promise<ErrorBody | null> => {
      const socket = socketRef.current;
      if (!socket?.connected) return { code: "internal", message: "Not connected; try again once the connection is back." };
      const emit = socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(event: string, payload: object): Promise<Ack> };
      const reply = await emit.emitWithAck(event, { room, ...payload }).catch(() => null);
      if (!reply) return { code: "internal", message: "The server did not answer; try again." };
      return reply.ok ? null : reply.error;
    },
    [room],
  );

  /** Where the person had read up to in this room before (an account's from the server, a guest's from this browser). */
  const readMarker = useCallback(async (): Promise<number> => {
    const socket = socketRef.current;
    const local = localReadMarker(room);
    if (!socket?.connected) return local;
    // Watching the room it has joined brings no activity (it has the list), only the counts.
    const reply = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck("rooms:watch", { rooms: [room] }).catch(() => null);
    return Math.max(local, reply?.ok ? (reply.rooms[0]?.lastReadSeq ?? 0) : 0);
  }, [room]);

  /** The person has seen the room up to `seq`. */
  const markRead = useCallback(
    (seq: number) => {
      saveLocalReadMarker(room, seq);
      const socket = socketRef.current;
      if (socket?.connected) socket.emit("room:read", { room, seq }, () => {});
    },
    [room],
  );

  /** The person is typing (the composer calls it at most every 2 s); nothing is said when offline. */
  const sayTyping = useCallback(() => {
    const socket = socketRef.current;
    if (socket?.connected) socket.emit("typing", { room }, () => {});
  }, [room]);

  return { status, members, notices, you, settings, socketNode, send, reconnect, ask, typing, sayTyping, readMarker, markRead };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
