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
  /** A guest's tag (see Identity), so two guests of one name are two people. */
  tag?: string;
  /**
   * Search results only: the words of `content` that matched the query, as
   * [start, end) offsets in UTF-16 code units (JavaScript string indices), in order.
   */
  highlight?: Array<[number, number]>;
  // ---- Conversation (v1.1) ----
  /** When the author last edited it; absent until then. */
  editedAt?: string;
  /** A tombstone: its content is "" and the store keeps no copy of the old text (nor its reactions, pin or reply). */
  deleted?: boolean;
  /** The seq of the message (in the same room) this one answers. */
  replyTo?: number;
  /** Each emoji people reacted with, in the order first used, with who did (display names). */
  reactions?: Reaction[];
  /**
   * Beside `reactions`: `reactionTags[i][j]` is the tag (see Identity) of the guest shown as
   * `reactions[i].users[j]`, "" for an account, so a page marks its own reactions by the
   * person, as it marks its own messages, and two guests named `anon` stay two people.
   */
  reactionTags?: string[][];
  /** Pinned by the room's owner or a moderator (listed in the room's settings.pinned). */
  pinned?: boolean;
}

export interface Reaction {
  emoji: string;
  users: string[];
}

export interface Identity {
  username: string;
  guest: boolean;
  /**
   * Guests only: a short string derived from the guest's session (never the session
   * itself), the same while the session lasts, so two guests named `anon` are told apart.
   */
  tag?: string;
}

/** Whether two identities are one person: the same account, or the same guest session. */
export function samePerson(a: Identity, b: Identity): boolean {
  if (a.guest !== b.guest) return false;
  if (!a.guest) return a.username.toLowerCase() === b.username.toLowerCase();
  return a.username === b.username && a.tag === b.tag;
}

/** Who reacted with the message's `at`-th emoji, as people: an account, or a guest with its tag. */
export function reactorsOf(message: Pick<Message, "reactions" | "reactionTags">, at: number): Identity[] {
  const tags = message.reactionTags?.[at] ?? [];
  return (message.reactions?.[at]?.users ?? []).map((username, i) => {
    const tag = tags[i] ?? "";
    return tag === "" ? { username, guest: false } : { username, guest: true, tag };
  });
}

/**
 * Whether `you` reacted to the message with `emoji`: decided by the person (the
 * reaction's tags), as own messages are, never by the display name alone.
 */
export function hasReacted(message: Pick<Message, "reactions" | "reactionTags">, emoji: string, you: Identity): boolean {
  const at = message.reactions?.findIndex((reaction) => reaction.emoji === emoji) ?? -1;
  return at >= 0 && reactorsOf(message, at).some((person) => samePerson(you, person));
}

export type Member = Identity;

export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export interface JoinReply {
  room: string;
  messages: Message[];
  members: Member[];
  node: string;
  you: Identity;
  role: Role;
  settings: RoomSettings;
}

export interface SendReply {
  message: Message;
}

export interface ClientToServerEvents {
  "room:join": (payload: { room: string; invite?: string }, ack: (reply: Ack<JoinReply>) => void) => void;
  "room:leave": (payload: { room: string }, ack: (reply: Ack) => void) => void;
  "message:send": (
    payload: { room: string; content: string; clientId?: string; replyTo?: number },
    ack: (reply: Ack<SendReply>) => void,
  ) => void;
  "room:configure": (payload: RoomConfigurePayload, ack: (reply: Ack<{ settings: RoomSettings }>) => void) => void;
  "room:moderate": (payload: RoomModeratePayload, ack: (reply: Ack) => void) => void;
  // Awareness (v1.1): see the section below.
  typing: (payload: { room: string }, ack: (reply: Ack) => void) => void;
  "room:read": (payload: { room: string; seq: number }, ack: (reply: Ack<ReadReply>) => void) => void;
  "rooms:watch": (payload: { rooms: string[] }, ack: (reply: Ack<WatchReply>) => void) => void;
  "message:edit": (payload: { room: string; seq: number; content: string }, ack: (reply: Ack<SendReply>) => void) => void;
  "message:delete": (payload: { room: string; seq: number }, ack: (reply: Ack<SendReply>) => void) => void;
  "message:react": (payload: { room: string; seq: number; emoji: string; on: boolean }, ack: (reply: Ack<SendReply>) => void) => void;
  "message:pin": (payload: { room: string; seq: number; on: boolean }, ack: (reply: Ack<SendReply>) => void) => void;
}

/** One stored message changed (edited, deleted, reacted to, pinned): pages showing older history update it. */
export interface RoomMessagePush {
  room: string;
  message: Message;
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
  /** settings and moderation notices name who acted in `username` and say what they did in `text`. */
  kind: "join" | "leave" | "settings" | "moderation";
  username: string;
  at: string;
  /** The sentence to show, for settings and moderation ("ada set the topic to …"). */
  text?: string;
}

export interface ServerToClientEvents {
  "room:messages": (push: RoomMessagesPush) => void;
  "room:presence": (push: RoomPresencePush) => void;
  "room:notice": (push: RoomNoticePush) => void;
  "room:deleted": (push: { room: string }) => void;
  "room:typing": (push: RoomTypingPush) => void;
  "room:activity": (push: RoomActivityPush) => void;
  /** An account's read position moved (from another of its tabs or devices). */
  "room:read": (push: RoomReadPush) => void;
  "room:settings": (push: RoomSettingsPush) => void;
  "room:removed": (push: RoomRemovedPush) => void;
  "room:message": (push: RoomMessagePush) => void;
}

// ---- Rooms with owners (v1.1): roles and settings ----

/** Who a person is in a room; the admin token is no role on the wire. */
export const ROLES = ["owner", "moderator", "member", "guest"] as const;
export type Role = (typeof ROLES)[number];

/** public: listed and open; unlisted: open to anyone with the name; private: members only. */
export const VISIBILITIES = ["public", "unlisted", "private"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export interface RoomSettings {
  /** Plain text, at most TOPIC_MAX characters; "" for none. */
  topic: string;
  visibility: Visibility;
  /** Only the owner and moderators post. */
  readOnly: boolean;
  /** One message per this many seconds per person; 0 is off. */
  slowModeS: number;
  /** The registered user who first joined or posted; null until one has. */
  owner: string | null;
  /** Usernames the owner appointed. */
  moderators: string[];
  /** Seqs of the room's pinned messages. */
  pinned: number[];
}

export interface RoomConfigurePayload {
  room: string;
  topic?: string;
  visibility?: Visibility;
  readOnly?: boolean;
  slowModeS?: number;
}

export const MODERATION_ACTIONS = ["kick", "ban", "unban", "mute", "unmute", "promote", "demote", "invite"] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

export interface RoomModeratePayload {
  room: string;
  action: ModerationAction;
  username: string;
  reason?: string;
  /** A ban's length; none: until unbanned. */
  durationS?: number;
  /** A ban that also holds for the addresses the person is connected from. */
  address?: boolean;
}

/** One line of a room's audit log (`GET /api/rooms/:name/audit`). */
export interface AuditLine {
  at: string;
  by: string;
  action: string;
  username?: string;
  reason?: string;
  durationS?: number;
  detail?: string;
}

export interface RoomSettingsPush {
  room: string;
  settings: RoomSettings;
}

/** To the person removed (kicked or banned), on every connection of theirs. */
export interface RoomRemovedPush {
  room: string;
  reason: string;
  by: string;
  /** Who was removed, so every node finds their connections. */
  username: string;
  guest: boolean;
  /** True for a ban: joining again is refused. */
  banned: boolean;
}

/** What the server keeps on each socket: who it is, decided at the handshake (with its author key, never sent). */
export interface SocketData {
  identity: Identity & { key: string };
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

// ---- Awareness (v1.1): typing, read markers, the person's rooms, watching rooms ----

export interface RoomTypingPush {
  room: string;
  /** The people typing now, each gone 5 s after their last `typing` or at once when their message arrives. */
  users: string[];
}

export interface RoomActivityPush {
  room: string;
  seq: number;
  username: string;
  /** The message mentions the person this push is sent to. */
  mention: boolean;
}

export interface RoomReadPush {
  room: string;
  lastReadSeq: number;
}

export interface ReadReply {
  lastReadSeq: number;
}

/** One of the person's rooms, or a watched room, as counted for them. */
export interface RoomUnread {
  room: string;
  /** The room's newest seq (0 for a room without messages). */
  seq: number;
  lastReadSeq: number;
  /** Messages after `lastReadSeq` written by someone else. */
  unread: number;
  /** Of those, the ones that mention the person. */
  mentions: number;
  /** In the person's rooms only: notify on every message ("all") or on mentions only. */
  notify?: NotifyLevel;
}

export type NotifyLevel = "mentions" | "all";

export interface WatchReply {
  rooms: RoomUnread[];
}

/** The Socket.IO topic of every connection of one person (accounts and guests alike), by name. */
export function personTopic(username: string): string {
  return `person:${username.toLowerCase()}`;
}

/** The Socket.IO topic of the connections watching a room (the small `room:activity` pushes). */
export function watchTopic(room: string): string {
  return `watch:${room}`;
}
