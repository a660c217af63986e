// The Room worker: one per live room, a client API over a mailbox (mailbox.ts):
// public methods enqueue a tagged operation and resolve with its reply; operations
// run one at a time, which gives the room its total order. It knows no transport:
// it is handed a store, its presence table and a `publish` function.
//
// Sends are pipelined: the send operation starts the store's append (which fixes the
// seq at once) without waiting for it to be durable, so the next operation runs and
// one group commit covers many of the room's messages. Appends finish in the order
// they were made; each finished append comes back as a "stored" operation, which
// advances the window, schedules the push and only then acknowledges the sender.
import { ChatError } from "../errors";
import { normalizeContent } from "../names";
import type { RoomPresence } from "../presence/presence";
import type { Identity, Member, Message, RoomSummary } from "../protocol";
import { roomTopic } from "../protocol";
import type { Publish } from "../pushes/push-bus";
import type { AppendResult, Store } from "../store/store";
import { ListPush } from "./list-push";
import { Mailbox, type Reply } from "./mailbox";
import { MessageWindow } from "./message-window";
import type { RoomObserver } from "./observer";

/** Rejects operations that never started because the worker exited: safe to retry elsewhere. */
export class WorkerExited extends Error {
  constructor(room: string) {
    super(`The worker of room "${room}" has exited.`);
    this.name = "WorkerExited";
  }
}

export interface RoomDeps {
  name: string;
  store: Store;
  presence: RoomPresence;
  publish: Publish;
  historyWindow: number;
  /** Told of every stored message and push; optional so tests can leave it out. */
  observer?: RoomObserver;
  /** Called once when the worker dies (crash or kill), not when it is stopped. */
  onExit: (room: Room, reason: unknown) => void;
}

export interface JoinResult {
  messages: Message[];
  members: Member[];
}

export interface SendRequest {
  author: Identity;
  content: string;
  clientId?: string;
  /** The sending connection, when it must have joined the room first. */
  connectionId?: string;
}

type Operation =
  | { tag: "join"; connectionId: string; identity: Identity }
  | { tag: "leave"; connectionId: string }
  | { tag: "send"; request: SendRequest }
  | { tag: "stored"; outcome: AppendOutcome }
  | { tag: "window" }
  | { tag: "observe"; message: Message }
  | { tag: "refresh" }
  | { tag: "delete" };

interface Replies {
  join: JoinResult;
  leave: void;
  send: Message;
  stored: Message;
  window: Message[];
  observe: void;
  refresh: void;
  delete: void;
}

/** How one append ended, once the store has made it durable (or failed to). */
type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

export class Room {
  readonly name: string;
  private readonly deps: RoomDeps;
  private readonly mailbox: Mailbox<Operation, Replies>;
  private readonly window: MessageWindow;
  private readonly listPush: ListPush;
  private lastActivity: number;
  private notifyOnExit = true;
  private exitReason: unknown;
  /** The room's owner claim was made, so a send claims ownership once per worker. */
  private ownerKnown = false;
  /** Settles after the newest append has come back; the next one comes back behind it. */
  private appended: Promise<unknown> = Promise.resolve();
  /** Settles once the worker has exited and no operation or append of it is still running. */
  readonly exited: Promise<void>;

  private constructor(deps: RoomDeps, window: Message[]) {
    this.deps = deps;
    this.name = deps.name;
    this.window = new MessageWindow(deps.historyWindow, window);
    this.lastActivity = Date.now();
    this.listPush = new ListPush(deps.name, deps.publish, deps.observer, () =>
      // A deleted room's last list would follow its room:deleted and resurrect it on pages.
      this.exitReason === "deleted" ? undefined : { room: this.name, messages: this.window.list(), seq: this.window.lastSeq },
    );
    this.mailbox = new Mailbox<Operation, Replies>({
      handle: (op, reply) => this.handle(op, reply),
      failed: (error, _op, reply) => {
        if (error instanceof ChatError) return reply.reject(error);
        reply.reject(this.unavailable());
        this.exit(error, true);
      },
      abandoned: (op, reply) => this.answerAfterExit(op, reply),
      exited: () => {
        if (this.notifyOnExit) this.deps.onExit(this, this.exitReason);
      },
      closedError: () => new WorkerExited(this.name),
    });
    this.exited = this.mailbox.exited;
  }

  /** Starts a worker from what the store holds: the newest window of messages. */
  static async start(deps: RoomDeps): Promise<Room> {
    return new Room(deps, await deps.store.recent(deps.name, deps.historyWindow));
  }

  join(connectionId: string, identity: Identity): Promise<JoinResult> {
    return this.mailbox.call({ tag: "join", connectionId, identity });
  }

  leave(connectionId: string): Promise<void> {
    return this.mailbox.call({ tag: "leave", connectionId });
  }

  send(request: SendRequest): Promise<Message> {
    return this.mailbox.call({ tag: "send", request });
  }

  /** The live window, newest last. */
  messages(): Promise<Message[]> {
    return this.mailbox.call({ tag: "window" });
  }

  /** A message another node stored in the shared store: the window catches up to it. */
  observe(message: Message): Promise<void> {
    return this.mailbox.call({ tag: "observe", message });
  }

  /** Reads the window from the store again and pushes it (changes may have been missed). */
  refresh(): Promise<void> {
    return this.mailbox.call({ tag: "refresh" });
  }

  /**
   * Deletes the room: its history and owner leave the store, watchers get `room:deleted`,
   * and the worker stops. Operations queued behind it go to a fresh, empty room.
   */
  delete(): Promise<void> {
    return this.mailbox.call({ tag: "delete" });
  }

  get alive(): boolean {
    return this.mailbox.running;
  }

  get idleSince(): number {
    return this.lastActivity;
  }

  summary(): RoomSummary {
    const newest = this.window.latest;
    const lastActivity = Math.max(this.lastActivity, newest ? Date.parse(newest.sentAt) : 0);
    return {
      name: this.name,
      members: this.deps.presence.count,
      messages: this.window.lastSeq,
      lastActivity: new Date(lastActivity).toISOString(),
    };
  }

  /** Kills the worker (as OTP's exit/2): queued operations fail over, the supervisor is told. */
  kill(reason: unknown): void {
    this.exit(reason, true);
  }

  /** Stops the worker quietly, for idle or evicted rooms: no restart follows. */
  stop(): void {
    this.exit("stopped", false);
  }

  private async handle(op: Operation, reply: Reply): Promise<void> {
    // Other nodes' activity does not keep this node's worker of the room alive.
    if (op.tag !== "observe" && op.tag !== "refresh") this.lastActivity = Date.now();
    switch (op.tag) {
      case "join":
        return reply.resolve(await this.handleJoin(op.connectionId, op.identity));
      case "leave":
        return reply.resolve(await this.handleLeave(op.connectionId));
      case "send":
        // Answered later, by the "stored" operation its append comes back as.
        return this.handleSend(op.request, reply);
      case "stored":
        return reply.resolve(await this.handleStored(op.outcome));
      case "window":
        return reply.resolve(this.window.list());
      case "observe":
        return reply.resolve(await this.handleObserve(op.message));
      case "refresh":
        return reply.resolve(await this.handleRefresh());
      case "delete":
        return reply.resolve(await this.handleDelete());
      default: {
        const unknown: never = op;
        throw new Error(`Unknown room operation ${JSON.stringify(unknown)}`);
      }
    }
  }

  private async handleJoin(connectionId: string, identity: Identity): Promise<JoinResult> {
    const { presence, publish } = this.deps;
    await this.claimOwnership(identity);
    const { first, members } = await presence.join(connectionId, identity);
    if (first) {
      this.notice("join", identity.username);
      publish(roomTopic(this.name), "room:presence", { room: this.name, members });
    }
    return { messages: this.window.list(), members };
  }

  private async handleLeave(connectionId: string): Promise<void> {
    const { presence, publish } = this.deps;
    const { gone, members } = await presence.leave(connectionId);
    if (gone) {
      this.notice("leave", gone.username);
      publish(roomTopic(this.name), "room:presence", { room: this.name, members });
    }
  }

  /** Starts the append; `reply` is answered once it is durable and in the window. */
  private async handleSend(request: SendRequest, reply: Reply): Promise<void> {
    if (request.connectionId !== undefined && !this.deps.presence.has(request.connectionId)) {
      throw new ChatError("not_joined", `Join room "${this.name}" before sending to it.`);
    }
    const content = normalizeContent(request.content);
    // A registered user who creates a room by posting to it (REST, gRPC) owns it too.
    await this.claimOwnership(request.author);
    const outcome = this.deps.store
      .append(this.name, {
        username: request.author.username,
        guest: request.author.guest,
        content,
        sentAt: new Date().toISOString(),
        ...(request.clientId !== undefined ? { clientId: request.clientId } : {}),
      })
      .then(
        (result): AppendOutcome => ({ ok: true, result }),
        (error: unknown): AppendOutcome => ({ ok: false, error }),
      );
    // Chained, so the "stored" operations come back in the order the appends were made (seq order).
    const stored = this.appended.then(async (): Promise<Operation> => ({ tag: "stored", outcome: await outcome }));
    this.appended = stored;
    this.mailbox.defer(stored, reply);
  }

  /**
   * Answers what the exiting worker will not run: an operation never started gets
   * WorkerExited (safe to retry elsewhere); a send whose append has come back gets
   * its outcome, since the message is stored (a successor reads it from the store).
   */
  private answerAfterExit(op: Operation, reply: Reply): void {
    if (op.tag !== "stored") return reply.reject(new WorkerExited(this.name));
    const { outcome } = op;
    if (outcome.ok) return reply.resolve(outcome.result.message);
    reply.reject(outcome.error instanceof ChatError ? outcome.error : this.unavailable());
  }

  private async handleStored(outcome: AppendOutcome): Promise<Message> {
    if (!outcome.ok) throw outcome.error;
    const { message, created } = outcome.result;
    if (created) {
      this.listPush.stored();
      this.deps.observer?.messageStored(this.name);
      const lastSeq = this.window.lastSeq;
      // The message is stored whatever happens below, so a failed read must not fail the send.
      if (message.seq === lastSeq + 1) this.advance([message]);
      // Another node stored messages in between: the store has them, in order.
      else if (message.seq > lastSeq) await this.catchUp(message.seq).catch(() => {});
      // The room was deleted and begun again under this worker: read it afresh.
      // (A shared store's feed may also have brought it in first: then the window holds it.)
      else if (!this.window.has(message.id)) await this.handleRefresh().catch(() => {});
    }
    return message;
  }

  private async handleObserve(message: Message): Promise<void> {
    const lastSeq = this.window.lastSeq;
    if (message.seq <= lastSeq) return; // already in the window (read from the store meanwhile)
    if (message.seq === lastSeq + 1) this.advance([message]);
    else await this.catchUp(message.seq);
  }

  private async handleRefresh(): Promise<void> {
    this.window.replace(await this.deps.store.recent(this.name, this.deps.historyWindow));
    this.listPush.schedule();
  }

  /** Reads the messages after the window up to `seq` from the store and appends them. */
  private async catchUp(seq: number): Promise<void> {
    const missing = seq - this.window.lastSeq;
    const fresh =
      missing >= this.deps.historyWindow
        ? await this.deps.store.recent(this.name, this.deps.historyWindow)
        : await this.deps.store.before(this.name, seq + 1, missing);
    this.advance(fresh);
  }

  private advance(messages: Message[]): void {
    if (this.window.advance(messages)) this.listPush.schedule();
  }

  private async handleDelete(): Promise<void> {
    await this.deps.store.deleteRoom(this.name);
    this.window.clear();
    await this.deps.presence.clear();
    this.deps.publish(roomTopic(this.name), "room:deleted", { room: this.name });
    this.exit("deleted", false);
  }

  /** The first registered user to join or post owns the room (the store keeps the first claim). */
  private async claimOwnership(identity: Identity): Promise<void> {
    if (identity.guest || this.ownerKnown) return;
    await this.deps.store.claimOwner(this.name, identity.username);
    this.ownerKnown = true;
  }

  private notice(kind: "join" | "leave", username: string): void {
    const at = new Date().toISOString();
    this.deps.publish(roomTopic(this.name), "room:notice", { room: this.name, kind, username, at });
  }

  private unavailable(): ChatError {
    return new ChatError("room_unavailable", `Room "${this.name}" hit a problem and is restarting; please try again.`);
  }

  private exit(reason: unknown, notify: boolean): void {
    if (!this.mailbox.running) return;
    this.exitReason = reason;
    this.notifyOnExit = notify;
    // An operation or append in flight finishes first, so a successor never starts from
    // a store that is still being written to.
    this.mailbox.exit();
  }
}
