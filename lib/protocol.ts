// The wire contract (docs/protocol.md) as types shared by
// the server and the browser. Types are no validation: inbound payloads are
// parsed in lib/payloads.ts.

export const ERROR_CODES = [
  "invalid_room",
  "invalid_message",
  "invalid_payload",
  "not_joined",
  "name_taken",
  "rate_limited",
  "unauthorized",
  "forbidden",
  "room_unavailable",
  "internal",
  // HTTP only: a route or resource that does not exist (status 404).
  "not_found",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export interface Message {
  id: string;
  room: string;
  seq: number;
  username: string;
  guest: boolean;
  content: string;
  sentAt: string;
  clientId?: string;
}

export interface Identity {
  username: string;
  guest: boolean;
}

export type Member = Identity;

export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export interface JoinReply {
  room: string;
  messages: Message[];
  members: Member[];
  node: string;
  you: Identity;
}

export interface SendReply {
  message: Message;
}

export interface ClientToServerEvents {
  "room:join": (payload: { room: string }, ack: (reply: Ack<JoinReply>) => void) => void;
  "room:leave": (payload: { room: string }, ack: (reply: Ack) => void) => void;
  "message:send": (
    payload: { room: string; content: string; clientId?: string },
    ack: (reply: Ack<SendReply>) => void,
  ) => void;
}

export interface RoomMessagesPush {
  room: string;
  messages: Message[];
  /** The newest message's seq, 0 for a room without messages. */
  seq: number;
}

export interface RoomPresencePush {
  room: string;
  members: Member[];
}

export interface RoomNoticePush {
  room: string;
  kind: "join" | "leave";
  username: string;
  at: string;
}

export interface ServerToClientEvents {
  "room:messages": (push: RoomMessagesPush) => void;
  "room:presence": (push: RoomPresencePush) => void;
  "room:notice": (push: RoomNoticePush) => void;
  "room:deleted": (push: { room: string }) => void;
}

/** What the server keeps on each socket: who it is, decided at the handshake. */
export interface SocketData {
  identity: Identity;
}

export type ServerEvent = keyof ServerToClientEvents;

export interface RoomSummary {
  name: string;
  members: number;
  messages: number;
  lastActivity: string | null;
}

/** The Socket.IO topic every page of a room listens on. */
export function roomTopic(room: string): string {
  return `room:${room}`;
}

/** Socket.IO `connect_error` carries this in `err.data` when the handshake is refused. */
export type HandshakeErrorData = ErrorBody;
