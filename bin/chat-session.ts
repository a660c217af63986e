// One person in one room over Socket.IO: joins on every (re)connect, prints
// each message once in seq order (history first, then from every full-list
// push), prints join/leave notices, and sends typed lines in order, each with a
// clientId so a resend after a lost connection is stored once.
import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import {
  hasReacted,
  type Ack,
  type ClientToServerEvents,
  type Identity,
  type JoinReply,
  type Message,
  type RoomMessagesPush,
  type RoomNoticePush,
  type ServerToClientEvents,
} from "../lib/protocol";
import { ACK_TIMEOUT_MS, errorBodyOf, joinRetryDelayMs } from "../lib/client-policy";
import { parseCommand } from "../lib/commands";
import { describeError } from "./chat-errors";
import { normalizeReactionEmoji } from "../lib/reaction-emoji";
import { formatMessage, formatNotice, formatReactions, status, terminalSafe } from "./chat-format";
import { messagesBefore } from "./chat-http";

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface SessionOptions {
  url: URL;
  room: string;
  /** Guest name for the handshake. */
  name?: string;
  /** Session cookie of a signed-in user. */
  cookie?: string;
  /** Print each message's seq (`#12 [ann] hi`), which /reply, /edit, /delete and /react name. */
  showSeq?: boolean;
  print(line: string): void;
  printError(line: string): void;
}

interface Outgoing {
  content: string;
  clientId: string;
  replyTo?: number;
}

/** Messages remembered for replies' names, reaction toggles and changes; the oldest are forgotten. */
const REMEMBERED = 1000;

/** A send answered room_unavailable is tried this many times more before it is reported. */
const SEND_RETRIES = 3;
const GAP_PAGE = 200;
const GAP_PAGES_MAX = 5;
const QUIT_WAIT_MS = 10_000;
const RETRY_AFTER_KICK_MS = 1_000;
const MEMBERS_SHOWN = 10;
const RATE_LIMITED_WAIT_MS = 250;

export class ChatSession {
  private readonly options: SessionOptions;
  private readonly socket: ChatSocket;
  private room: string;
  private you?: Identity;
  private last?: Pick<Message, "seq" | "id">;
  /** The messages printed, by seq, as last printed (a change prints them again). */
  private readonly seen = new Map<number, Message>();
  private joined = false;
  private everJoined = false;
  private lost = false;
  private quitting = false;
  private over = false;
  /** Joins and pushes are handled one after another, in arrival order. */
  private events: Promise<void> = Promise.resolve();
  private readonly outbox: Outgoing[] = [];
  private sending = false;
  private throttled = false;
  /** When a line was last delivered. */
  private progressAt = 0;
  /** Rooms joined in this session, in order, for /rooms and /switch. */
  private readonly visited: string[] = [];
  /** Who was typing at the last push: each name is printed once per burst. */
  private typing = new Set<string>();
  private finish!: (code: number) => void;
  /** Resolves with the exit code once the session is over. */
  readonly ended: Promise<number>;

  constructor(options: SessionOptions) {
    this.options = options;
    this.room = options.room;
    this.ended = new Promise((resolve) => (this.finish = resolve));
    this.socket = io(options.url.origin, {
      path: "/socket.io",
      // WebSocket first (no long-polling handshake and upgrade), long-polling if it is blocked.
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      auth: options.name !== undefined ? { name: options.name } : {},
      extraHeaders: options.cookie ? { cookie: options.cookie } : {},
      reconnectionDelay: 500,
      reconnectionDelayMax: 3_000,
      autoConnect: false,
    });
    this.listen();
  }

  start(): void {
    this.socket.connect();
  }

  /** The room shown now (/switch changes it). */
  get currentRoom(): string {
    return this.room;
  }

  /** /rooms: the session's rooms with what is unread in each. */
  async listRooms(): Promise<void> {
    const reply = await this.socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck("rooms:watch", { rooms: this.visited })
      .catch(() => undefined);
    if (!reply?.ok) return this.options.print(status(reply ? `could not list your rooms: ${describeError(reply.error)}` : "the server did not answer."));
    for (const { room, unread, mentions } of reply.rooms) {
      const here = room === this.room ? " (here)" : "";
      const counts = unread === 0 ? "nothing unread" : `${unread} unread${mentions > 0 ? `, ${mentions} mentioning you` : ""}`;
      this.options.print(status(`#${terminalSafe(room)}${here}: ${counts}`));
    }
  }

  /** /join and /switch: leaves the room shown and shows another (/switch only one of the session's rooms). */
  async switchTo(asked: string, onlyKnown: boolean): Promise<void> {
    const room = asked.trim().toLowerCase();
    if (onlyKnown && !this.visited.includes(room)) {
      return this.options.print(status(`${terminalSafe(asked)} is not one of your rooms here; /join it first.`));
    }
    if (room === this.room) return;
    if (this.joined) await this.socket.timeout(2_000).emitWithAck("room:leave", { room: this.room }).catch(() => undefined);
    this.joined = false;
    this.room = room;
    this.last = undefined;
    this.typing = new Set();
    this.everJoined = false;
    this.queue(() => this.join());
  }

  /** A typed line: a slash command (lib/commands.ts), carried out here, or a message to send. */
  input(line: string): void {
    const command = parseCommand(line);
    const { print } = this.options;
    switch (command.kind) {
      case "send":
      case "me":
        return this.submit(command.content);
      case "help":
        for (const text of command.text.split("\n")) print(status(text));
        return;
      case "error":
        return print(status(command.message));
      case "nick":
        return this.rename(command.name);
      case "topic":
        return void this.ask("room:configure", { room: this.room, topic: command.topic });
      case "moderate": {
        const { action, username, reason, durationS } = command;
        return void this.ask("room:moderate", { room: this.room, action, username, reason, durationS });
      }
      case "reply":
        return this.submit(command.content, command.seq);
      case "edit":
        return void this.ask("message:edit", { room: this.room, seq: command.seq, content: command.content });
      case "delete":
        return void this.ask("message:delete", { room: this.room, seq: command.seq });
      case "react":
        return this.react(command.seq, command.emoji);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown command ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Sends a typed line once connected and joined; lines keep their order. */
  submit(content: string, replyTo?: number): void {
    this.outbox.push({ content, clientId: randomUUID(), ...(replyTo !== undefined ? { replyTo } : {}) });
    void this.pump();
  }

  /** Leaves the room and ends with `code`, after sending what was typed before (bounded wait). */
  async quit(code = 0): Promise<void> {
    if (this.quitting || this.over) return;
    this.quitting = true;
    await waitUntil(() => this.everJoined || this.over, QUIT_WAIT_MS);
    // Sending goes on as long as it makes progress (a long piped input under the rate limit).
    this.progressAt = Date.now();
    await waitUntil(() => this.outbox.length === 0 || Date.now() - this.progressAt > QUIT_WAIT_MS, Infinity);
    if (this.outbox.length > 0) {
      this.options.print(status(`${this.outbox.length} message(s) not sent: not connected.`));
    }
    if (this.joined) {
      await this.socket
        .timeout(2_000)
        .emitWithAck("room:leave", { room: this.room })
        .catch(() => undefined);
    }
    this.end(code);
  }

  /** A guest takes a new name: the connection starts again under it (a connection's identity is fixed). */
  private rename(name: string): void {
    if (this.you && !this.you.guest) return this.options.print(status("you are signed in; /nick is for guests."));
    this.options.name = name;
    this.socket.auth = { name };
    this.socket.disconnect();
    this.socket.connect();
  }

  /** Adds the emoji to the message, or takes it back when this person has reacted with it already. */
  private react(seq: number, typed: string): void {
    let emoji: string;
    try {
      emoji = normalizeReactionEmoji(typed);
    } catch (error) {
      return this.options.print(status((error as Error).message));
    }
    const message = this.seen.get(seq);
    const on = !(this.you !== undefined && message !== undefined && hasReacted(message, emoji, this.you));
    void this.ask("message:react", { room: this.room, seq, emoji, on });
  }

  /** Asks the server for a change (room settings, moderation, a message) and prints a refusal's sentence; what changed comes as pushes. */
  private async ask(event: "room:configure" | "room:moderate" | "message:edit" | "message:delete" | "message:react", payload: object): Promise<void> {
    const emit = this.socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(event: string, payload: object): Promise<Ack> };
    const reply = await emit.emitWithAck(event, payload).catch(() => undefined);
    if (!reply) this.options.print(status("the server did not answer; try again."));
    else if (!reply.ok) this.options.print(status(`refused: ${describeError(reply.error)}`));
  }

  private end(code: number): void {
    if (this.over) return;
    this.over = true;
    this.joined = false;
    this.socket.removeAllListeners();
    this.socket.disconnect();
    this.finish(code);
  }

  private fail(sentence: string): void {
    this.options.printError(`livechat: ${sentence}`);
    this.end(1);
  }

  private listen(): void {
    const { socket, options } = this;
    socket.on("connect", () => {
      if (this.lost) options.print(status("reconnected"));
      this.lost = false;
      this.queue(() => this.join());
    });
    socket.on("disconnect", (reason) => {
      this.joined = false;
      if (reason === "io client disconnect") return;
      this.connectionLost();
      // The server closed this socket on purpose; Socket.IO does not retry that by itself.
      if (reason === "io server disconnect") setTimeout(() => this.over || socket.connect(), RETRY_AFTER_KICK_MS);
    });
    socket.on("connect_error", (error) => {
      const refused = errorBodyOf((error as Error & { data?: unknown }).data);
      if (refused && !socket.active) return this.fail(describeError(refused, { name: options.name }));
      this.connectionLost();
    });
    socket.on("room:messages", (push) => this.queue(() => this.onMessages(push)));
    socket.on("room:notice", (push) => this.queue(() => this.onNotice(push)));
    socket.on("room:message", (push) => this.queue(() => this.onChanged(push.room, [push.message])));
    socket.on("room:typing", (push) => {
      if (push.room !== this.room || !this.joined) return;
      const now = new Set(push.users.filter((user) => user.toLowerCase() !== this.you?.username.toLowerCase()));
      for (const user of now) if (!this.typing.has(user)) options.print(`[${terminalSafe(user)} is typing]`);
      this.typing = now;
    });
    socket.on("room:removed", (push) => {
      if (push.room !== this.room) return;
      const why = push.reason ? ` (${terminalSafe(push.reason)})` : "";
      options.print(status(`${terminalSafe(push.by)} ${push.banned ? "banned you from" : "removed you from"} the room${why}.`));
      this.end(0);
    });
    socket.on("room:deleted", (push) => {
      if (push.room !== this.room) return;
      options.print(status(`the room ${terminalSafe(push.room)} was deleted.`));
      this.end(0);
    });
  }

  private connectionLost(): void {
    if (this.lost || this.quitting) return;
    this.lost = true;
    this.options.print(status("connection lost, retrying…"));
  }

  private queue(task: () => Promise<void> | void): void {
    this.events = this.events.then(task).catch((error: unknown) => {
      this.options.printError(`livechat: ${String(error)}`);
    });
  }

  private async join(attempt = 0): Promise<void> {
    let reply: Ack<JoinReply>;
    try {
      reply = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("room:join", { room: this.room });
    } catch {
      if (this.socket.connected) this.reconnect("the server did not answer the join");
      return;
    }
    if (!reply.ok) {
      const retryAfterMs = joinRetryDelayMs(reply.error, attempt);
      if (retryAfterMs !== undefined) {
        await delay(retryAfterMs);
        return this.join(attempt + 1);
      }
      return this.fail(describeError(reply.error, { room: this.options.room }));
    }
    this.room = reply.room;
    this.joined = true;
    if (!this.visited.includes(reply.room)) this.visited.push(reply.room);
    if (!this.everJoined) this.greet(reply);
    else if (this.you && this.you.username !== reply.you.username) {
      this.options.print(status(`you are ${describeIdentity(reply.you)} now.`));
    }
    this.everJoined = true;
    this.you = reply.you;
    if (this.last && historyStartedOver(this.last, reply.messages)) {
      this.options.print(status("the server no longer has the earlier messages of this room; starting over."));
      this.last = undefined;
    }
    await this.show(reply.messages);
    void this.pump();
  }

  private greet(reply: JoinReply): void {
    const shown = reply.members.slice(0, MEMBERS_SHOWN).map((member) => terminalSafe(member.username));
    const more = reply.members.length - shown.length;
    const names = shown.join(", ") + (more > 0 ? ` and ${more} more` : "");
    this.options.print(
      status(`joined ${terminalSafe(reply.room)} as ${describeIdentity(reply.you)}; in the room: ${names}.`),
    );
    this.options.print(status('type a message and press Enter to send it; "exit" or Ctrl-D leaves.'));
  }

  private async onMessages(push: RoomMessagesPush): Promise<void> {
    if (push.room !== this.room || !this.joined) return;
    this.onChanged(push.room, push.messages);
    await this.show(push.messages);
  }

  /**
   * Messages printed before that have changed since (edited, deleted, reacted to, pinned)
   * are printed again as they are now; whichever push brings a change first prints it.
   */
  private onChanged(room: string, messages: Message[]): void {
    if (room !== this.room || !this.joined) return;
    for (const message of messages) {
      const before = this.seen.get(message.seq);
      if (!before || before.id !== message.id) continue;
      if ((before.pinned === true) !== (message.pinned === true)) {
        this.options.print(status(`#${message.seq} was ${message.pinned ? "pinned" : "unpinned"}.`));
      }
      if (looks(before) !== looks(message)) this.print(message);
      else this.remember(message);
    }
  }

  private onNotice(push: RoomNoticePush): void {
    if (push.room === this.room && this.joined) this.options.print(formatNotice(push));
  }

  /** Prints the messages not printed yet, in seq order, after filling a gap left by a lost connection. */
  private async show(messages: Message[]): Promise<void> {
    const after = this.last?.seq ?? 0;
    const unseen = messages.filter((message) => message.seq > after).sort((a, b) => a.seq - b.seq);
    if (unseen.length === 0) return;
    if (after > 0 && unseen[0]!.seq > after + 1) unseen.unshift(...(await this.missed(after, unseen[0]!.seq)));
    for (const message of unseen) {
      if (message.seq <= (this.last?.seq ?? 0)) continue;
      this.print(message);
      this.last = { seq: message.seq, id: message.id };
    }
    // Printed is read: the person's other devices and /rooms count from here.
    if (this.last) this.socket.emit("room:read", { room: this.room, seq: this.last.seq }, () => {});
  }

  /** One message, and its reactions on the line below. */
  private print(message: Message): void {
    const repliedTo = message.replyTo === undefined ? undefined : this.seen.get(message.replyTo)?.username;
    const format = { seq: this.options.showSeq === true, ...(repliedTo !== undefined ? { repliedTo } : {}) };
    this.options.print(formatMessage(message, format));
    if (message.reactions?.length) this.options.print(formatReactions(message.reactions));
    this.remember(message);
  }

  private remember(message: Message): void {
    this.seen.delete(message.seq);
    this.seen.set(message.seq, message);
    if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
  }

  /** Messages with seq in (after, before), read over HTTP; the live list holds only the newest. */
  private async missed(after: number, before: number): Promise<Message[]> {
    const found: Message[] = [];
    let below = before;
    try {
      for (let page = 0; page < GAP_PAGES_MAX && below > after + 1; page++) {
        const older = await messagesBefore(this.options.url, this.room, below, GAP_PAGE, this.options.cookie);
        if (older.length === 0) break;
        found.unshift(...older.filter((message) => message.seq > after));
        below = older[0]!.seq;
      }
    } catch (error) {
      this.options.print(status(`could not load the messages sent while you were away: ${(error as Error).message}`));
      return found;
    }
    if (below > after + 1) this.options.print(status(`${below - after - 1} older message(s) not shown.`));
    return found;
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.joined && this.outbox.length > 0) {
        if (!(await this.deliver(this.outbox[0]!))) break;
        this.outbox.shift();
      }
    } finally {
      this.sending = false;
    }
    // One notice per run of throttled lines.
    if (this.outbox.length === 0) this.throttled = false;
    // A rejoin that came while the last send was failing left the rest waiting.
    if (this.joined && this.outbox.length > 0) void this.pump();
  }

  /** False when the line must wait for the next join (it is resent with the same clientId). */
  private async deliver(outgoing: Outgoing, attempt = 0): Promise<boolean> {
    const { content, clientId, replyTo } = outgoing;
    // Socket.IO would buffer an emit made while disconnected and send it before the rejoin.
    if (!this.joined) return false;
    let reply;
    try {
      reply = await this.socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck("message:send", { room: this.room, content, clientId, ...(replyTo !== undefined ? { replyTo } : {}) });
    } catch {
      if (this.socket.connected) this.reconnect("the server did not confirm your message");
      return false;
    }
    if (reply.ok) {
      this.progressAt = Date.now();
      return true;
    }
    if (reply.error.code === "rate_limited") {
      // Typed (or piped) faster than the server takes: keep the order, wait, send the same line again.
      if (!this.throttled) {
        this.options.print(status(`${describeError(reply.error)} Your lines follow, in order, as fast as it allows.`));
      }
      this.throttled = true;
      await delay(RATE_LIMITED_WAIT_MS);
      return this.over ? true : this.deliver(outgoing, attempt);
    }
    if (reply.error.code === "room_unavailable" && attempt < SEND_RETRIES) {
      await delay(300 * (attempt + 1));
      return this.deliver(outgoing, attempt + 1);
    }
    if (reply.error.code === "not_joined") {
      this.joined = false;
      this.queue(() => this.join());
      return false;
    }
    this.options.print(status(`not sent: ${describeError(reply.error)}`));
    return true;
  }

  private reconnect(why: string): void {
    this.options.print(status(`${why}; reconnecting…`));
    this.lost = true;
    this.socket.disconnect().connect();
  }
}

/** What a printed message shows, to tell whether a change needs printing again. */
function looks(message: Message): string {
  return JSON.stringify([message.content, message.editedAt, message.deleted, message.reactions]);
}

function describeIdentity(you: Identity): string {
  return `${terminalSafe(you.username)}${you.guest ? " (guest)" : ""}`;
}

/** The room's seq count started again: the server lost its history, or the room was made anew. */
function historyStartedOver(last: Pick<Message, "seq" | "id">, messages: Message[]): boolean {
  const newest = messages.at(-1)?.seq ?? 0;
  const same = messages.find((message) => message.seq === last.seq);
  return newest < last.seq || (same !== undefined && same.id !== last.id);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await delay(50);
}
