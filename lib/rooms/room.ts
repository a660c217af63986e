// The Room worker: one per live room, a GenServer-style mailbox. Public methods
// enqueue a tagged operation and resolve with its reply; operations run one at a
// time, which gives the room its total order. It knows no transport: it is handed
// a store, its presence table and a `publish` function.
//
// Sends are pipelined: the send operation starts the store's append (which fixes the
// seq at once) without waiting for it to be durable, so the next operation runs and
// one group commit covers many of the room's messages. Appends finish in the order
// they were made; each finished append comes back as a "stored" operation, which
// advances the window, schedules the push and only then acknowledges the sender.
import { ChatError } from "../errors";
import { normalizeContent } from "../names";
import type { Identity, Member, Message, RoomSummary, ServerEvent, ServerToClientEvents } from "../protocol";
import { roomTopic } from "../protocol";
import type { AppendResult, Store } from "../store/store";
import type { RoomObserver } from "./observer";
import type { RoomPresence } from "./presence";

export type Publish = <E extends ServerEvent>(
  topic: string,
  event: E,
  payload: Parameters<ServerToClientEvents[E]>[0],
) => void;

/** One push as a watcher of a room's topic sees it. */
export type RoomPush = {
  [E in ServerEvent]: { event: E; payload: Parameters<ServerToClientEvents[E]>[0] };
}[ServerEvent];

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

interface Envelope {
  op: Operation;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

export class Room {
  readonly name: string;
  private readonly deps: RoomDeps;
  private readonly mailbox: Envelope[] = [];
  private window: Message[];
  private lastSeq: number;
  private lastActivity: number;
  private state: "running" | "exiting" | "exited" = "running";
  private busy = false;
  private notifyOnExit = true;
  private exitReason: unknown;
  private pushScheduled = false;
  /** When each message not yet pushed was stored (performance.now()), oldest first. */
  private unpushedSince: number[] = [];
  /** The room's owner claim was made, so a send claims ownership once per worker. */
  private ownerKnown = false;
  /** Appends started and not yet returned by the store. */
  private appending = 0;
  /** Settles after the newest append has come back; the next one queues its "stored" behind it. */
  private appended: Promise<void> = Promise.resolve();
  private markExited!: () => void;
  /** Settles once the worker has exited and no operation or append of it is still running. */
  readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));

  private constructor(deps: RoomDeps, window: Message[]) {
    this.deps = deps;
    this.name = deps.name;
    this.window = window;
    this.lastSeq = window.at(-1)?.seq ?? 0;
    this.lastActivity = Date.now();
  }

  /** Starts a worker from what the store holds: the newest window of messages. */
  static async start(deps: RoomDeps): Promise<Room> {
    return new Room(deps, await deps.store.recent(deps.name, deps.historyWindow));
  }

  join(connectionId: string, identity: Identity): Promise<JoinResult> {
    return this.call({ tag: "join", connectionId, identity });
  }

  leave(connectionId: string): Promise<void> {
    return this.call({ tag: "leave", connectionId });
  }

  send(request: SendRequest): Promise<Message> {
    return this.call({ tag: "send", request });
  }

  /** The live window, newest last. */
  messages(): Promise<Message[]> {
    return this.call({ tag: "window" });
  }

  /** A message the shared store reports (any node may have stored it): the window catches up to it. */
  observe(message: Message): Promise<void> {
    return this.call({ tag: "observe", message });
  }

  /** Reads the window from the store again and pushes it (changes may have been missed). */
  refresh(): Promise<void> {
    return this.call({ tag: "refresh" });
  }

  /**
   * Deletes the room: its history and owner leave the store, watchers get `room:deleted`,
   * and the worker stops. Operations queued behind it go to a fresh, empty room.
   */
  delete(): Promise<void> {
    return this.call({ tag: "delete" });
  }

  get alive(): boolean {
    return this.state === "running";
  }

  get idleSince(): number {
    return this.lastActivity;
  }

  summary(): RoomSummary {
    const newest = this.window.at(-1);
    const lastActivity = Math.max(this.lastActivity, newest ? Date.parse(newest.sentAt) : 0);
    return {
      name: this.name,
      members: this.deps.presence.count,
      messages: this.lastSeq,
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

  private call<T extends Operation>(op: T): Promise<Replies[T["tag"]]> {
    if (this.state !== "running") return Promise.reject(new WorkerExited(this.name));
    return new Promise((resolve, reject) => {
      this.mailbox.push({ op, resolve: resolve as (value: never) => void, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.state === "running" && this.mailbox.length > 0) {
      const envelope = this.mailbox.shift()!;
      try {
        // A send is answered later, by the "stored" operation its append comes back as.
        if (envelope.op.tag === "send") await this.handleSend(envelope.op.request, envelope);
        else envelope.resolve((await this.handle(envelope.op)) as never);
      } catch (error) {
        if (error instanceof ChatError) {
          envelope.reject(error);
          continue;
        }
        envelope.reject(
          new ChatError("room_unavailable", `Room "${this.name}" hit a problem and is restarting; please try again.`),
        );
        this.exit(error, true);
      }
    }
    this.busy = false;
    if (this.state === "exiting" && this.appending === 0) this.finishExit();
  }

  private async handle(op: Operation): Promise<Replies[Operation["tag"]]> {
    // Other nodes' activity does not keep this node's worker of the room alive.
    if (op.tag !== "observe" && op.tag !== "refresh") this.lastActivity = Date.now();
    switch (op.tag) {
      case "join":
        return this.handleJoin(op.connectionId, op.identity);
      case "leave":
        return this.handleLeave(op.connectionId);
      case "send":
        throw new Error("A send is started by drain(), not handle().");
      case "stored":
        return this.handleStored(op.outcome);
      case "window":
        return [...this.window];
      case "observe":
        return this.handleObserve(op.message);
      case "refresh":
        return this.handleRefresh();
      case "delete":
        return this.handleDelete();
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
    return { messages: [...this.window], members };
  }

  private async handleLeave(connectionId: string): Promise<void> {
    const { presence, publish } = this.deps;
    const { gone, members } = await presence.leave(connectionId);
    if (gone) {
      this.notice("leave", gone.username);
      publish(roomTopic(this.name), "room:presence", { room: this.name, members });
    }
  }

  /** Starts the append; `envelope` is answered once it is durable and in the window. */
  private async handleSend(request: SendRequest, envelope: Envelope): Promise<void> {
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
    this.appending += 1;
    // Chained, so the "stored" operations queue in the order the appends were made (seq order).
    this.appended = this.appended.then(async () => this.appendReturned(await outcome, envelope));
  }

  private appendReturned(outcome: AppendOutcome, envelope: Envelope): void {
    this.appending -= 1;
    const stored: Envelope = { op: { tag: "stored", outcome }, resolve: envelope.resolve, reject: envelope.reject };
    if (this.state === "running") {
      this.mailbox.push(stored);
      void this.drain();
      return;
    }
    this.answerAfterExit(stored);
    if (this.state === "exiting" && !this.busy && this.appending === 0) this.finishExit();
  }

  /**
   * Answers what the exiting worker will not run: an operation never started gets
   * WorkerExited (safe to retry elsewhere); a send whose append has come back gets
   * its outcome, since the message is stored (a successor reads it from the store).
   */
  private answerAfterExit(envelope: Envelope): void {
    if (envelope.op.tag !== "stored") return envelope.reject(new WorkerExited(this.name));
    const { outcome } = envelope.op;
    if (outcome.ok) return envelope.resolve(outcome.result.message as never);
    envelope.reject(
      outcome.error instanceof ChatError
        ? outcome.error
        : new ChatError("room_unavailable", `Room "${this.name}" hit a problem and is restarting; please try again.`),
    );
  }

  private async handleStored(outcome: AppendOutcome): Promise<Message> {
    if (!outcome.ok) throw outcome.error;
    const { message, created } = outcome.result;
    if (created) {
      this.unpushedSince.push(performance.now());
      this.deps.observer?.messageStored(this.name);
      // The message is stored whatever happens below, so a failed read must not fail the send.
      if (message.seq === this.lastSeq + 1) this.advance([message]);
      // Another node stored messages in between: the store has them, in order.
      else if (message.seq > this.lastSeq) await this.catchUp(message.seq).catch(() => {});
      // The room was deleted and begun again under this worker: read it afresh.
      // (A shared store's feed may also have brought it in first: then the window holds it.)
      else if (!this.window.some((known) => known.id === message.id)) await this.handleRefresh().catch(() => {});
    }
    return message;
  }

  private async handleObserve(message: Message): Promise<void> {
    if (message.seq <= this.lastSeq) return; // already in the window (e.g. this worker stored it)
    if (message.seq === this.lastSeq + 1) this.advance([message]);
    else await this.catchUp(message.seq);
  }

  private async handleRefresh(): Promise<void> {
    const window = await this.deps.store.recent(this.name, this.deps.historyWindow);
    const newest = window.at(-1)?.seq ?? 0;
    // A shorter history means the room was deleted and started again.
    if (newest >= this.lastSeq || window.length < this.window.length) {
      this.window = window;
      this.lastSeq = newest;
    }
    this.schedulePush();
  }

  /** Reads the messages after the window up to `seq` from the store and appends them. */
  private async catchUp(seq: number): Promise<void> {
    const missing = seq - this.lastSeq;
    const fresh =
      missing >= this.deps.historyWindow
        ? await this.deps.store.recent(this.name, this.deps.historyWindow)
        : await this.deps.store.before(this.name, seq + 1, missing);
    this.advance(fresh.filter((message) => message.seq > this.lastSeq));
  }

  /** Adds messages newer than the window, oldest first, and schedules a push. */
  private advance(messages: Message[]): void {
    if (messages.length === 0) return;
    const first = messages[0]!.seq;
    this.window = first === this.lastSeq + 1 ? [...this.window, ...messages] : [...messages];
    if (this.window.length > this.deps.historyWindow) this.window.splice(0, this.window.length - this.deps.historyWindow);
    this.lastSeq = this.window.at(-1)!.seq;
    this.schedulePush();
  }

  private async handleDelete(): Promise<void> {
    await this.deps.store.deleteRoom(this.name);
    this.window = [];
    this.lastSeq = 0;
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

  /** Coalesces pushes to one per tick; the push sent holds every message stored before it. */
  private schedulePush(): void {
    if (this.pushScheduled) return;
    this.pushScheduled = true;
    setImmediate(() => {
      this.pushScheduled = false;
      // A deleted room's last list would follow its room:deleted and resurrect it on pages.
      if (this.exitReason === "deleted") return;
      this.deps.publish(roomTopic(this.name), "room:messages", {
        room: this.name,
        messages: [...this.window],
        seq: this.lastSeq,
      });
      const sent = performance.now();
      const waited = this.unpushedSince.map((storedAt) => sent - storedAt);
      this.unpushedSince = [];
      this.deps.observer?.messagesPushed(this.name, waited);
    });
  }

  private exit(reason: unknown, notify: boolean): void {
    if (this.state !== "running") return;
    this.state = "exiting";
    this.exitReason = reason;
    this.notifyOnExit = notify;
    for (const envelope of this.mailbox.splice(0)) this.answerAfterExit(envelope);
    // An operation or append in flight finishes first, so a successor never starts from
    // a store that is still being written to.
    if (!this.busy && this.appending === 0) this.finishExit();
  }

  private finishExit(): void {
    this.state = "exited";
    this.markExited();
    if (this.notifyOnExit) this.deps.onExit(this, this.exitReason);
  }
}
