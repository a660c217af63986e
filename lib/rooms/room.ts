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
import { authorKeyOf, type Author } from "../people";
import type { Identity, Member, Message, RoomSettings, RoomSummary } from "../protocol";
import { roomTopic } from "../protocol";
import type { Publish } from "../pushes/push-bus";
import type { AppendResult, Store } from "../store/store";
import { messageChange, pinnedAfter, type ChangeRequest } from "./conversation";
import { ListPush } from "./list-push";
import { Mailbox, type Reply } from "./mailbox";
import { MessageWindow } from "./message-window";
import type { RoomObserver } from "./observer";
import { admitByInvite, configure, keepPresent, moderate, nameOf, type ModerationRequest, type Outcome, type SettingsChange } from "./keeping";
import { admission, emptyAccess, guestSessionKeys, mayPost, settingsOf, speaking, type Actor, type RoomAccess } from "./roles";

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
  author: Author;
  /** The sender's address, for bans by address. */
  address?: string;
  content: string;
  clientId?: string;
  /** The sending connection, when it must have joined the room first. */
  connectionId?: string;
  /** The seq of the message (of this room) it answers. */
  replyTo?: number;
}

type Operation =
  | { tag: "join"; connectionId: string; identity: Author; address: string | undefined; invited: boolean }
  | { tag: "leave"; connectionId: string }
  | { tag: "send"; request: SendRequest }
  | { tag: "stored"; outcome: AppendOutcome }
  | { tag: "window" }
  | { tag: "observe"; message: Message }
  | { tag: "change"; seq: number; request: ChangeRequest }
  | { tag: "changed"; message: Message }
  | { tag: "refresh" }
  | { tag: "reconfigure" }
  | { tag: "configure"; actor: Actor; change: SettingsChange }
  | { tag: "moderate"; request: ModerationRequest; account: boolean }
  | { tag: "admit"; actor: Actor; address: string | undefined }
  | { tag: "mayPost"; identity: Identity; address: string | undefined }
  | { tag: "details"; actor: Actor; address: string | undefined }
  | { tag: "delete" };

interface Replies {
  change: Message;
  changed: void;
  join: JoinResult;
  leave: void;
  send: Message;
  stored: Message;
  window: Message[];
  observe: void;
  refresh: void;
  reconfigure: void;
  configure: RoomSettings;
  moderate: void;
  admit: RoomSettings;
  mayPost: void;
  details: RoomInfo;
  delete: void;
}

/** What a person allowed in may read about a room. */
export interface RoomInfo {
  settings: RoomSettings;
  members: Member[];
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
  /** Settings and lists, as the store held them at start and as changed since. */
  private access: RoomAccess;
  /** This node's connections in the room and their addresses, so a ban can name a guest's. */
  private readonly addresses = new Map<string, { identity: Author; address: string | undefined }>();
  /** When each person last posted, for slow mode. */
  private readonly lastPosted = new Map<string, number>();
  /** Settles after the newest append has come back; the next one comes back behind it. */
  private appended: Promise<unknown> = Promise.resolve();
  /** Settles once the worker has exited and no operation or append of it is still running. */
  readonly exited: Promise<void>;

  private constructor(deps: RoomDeps, window: Message[], access: RoomAccess) {
    this.deps = deps;
    this.access = access;
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

  /** Starts a worker from what the store holds: the newest window of messages, the settings and lists. */
  static async start(deps: RoomDeps): Promise<Room> {
    const [window, access] = await Promise.all([deps.store.recent(deps.name, deps.historyWindow), readAccess(deps.store, deps.name)]);
    return new Room(deps, window, access);
  }

  /**
   * Joins a connection; `address` is its client's, so a ban can name a guest's.
   * `invited`: it holds a valid invite link, so a private room makes it a member.
   */
  join(connectionId: string, identity: Author, address?: string, invited = false): Promise<JoinResult> {
    return this.mailbox.call({ tag: "join", connectionId, identity, address, invited });
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

  /**
   * The newest `limit` messages straight from the window, outside the mailbox (the window
   * only ever holds what is durable); undefined when the window does not hold them all.
   */
  recent(limit: number): Message[] | undefined {
    return this.alive ? this.window.recent(limit) : undefined;
  }

  /** A message another node stored in the shared store: the window catches up to it. */
  observe(message: Message): Promise<void> {
    return this.mailbox.call({ tag: "observe", message });
  }

  /**
   * Changes one stored message (an edit, a delete, a reaction, a pin), in order with the
   * room's sends; answers once the change is durable, and pushes the list and the changed
   * message (and the settings, when the pinned list changes).
   */
  change(seq: number, request: ChangeRequest): Promise<Message> {
    return this.mailbox.call({ tag: "change", seq, request });
  }

  /** A message another node changed in the shared store: the window and pages update it. */
  observeChange(message: Message): Promise<void> {
    return this.mailbox.call({ tag: "changed", message });
  }

  /** Reads the window from the store again and pushes it (changes may have been missed). */
  refresh(): Promise<void> {
    return this.mailbox.call({ tag: "refresh" });
  }

  /** Changes the settings, for a keeper of the room. */
  configure(actor: Actor, change: SettingsChange): Promise<RoomSettings> {
    return this.mailbox.call({ tag: "configure", actor, change });
  }

  /** Kicks, bans, mutes, appoints or invites, for a keeper; `account` says the name is a registered user's. */
  moderate(request: ModerationRequest, account: boolean): Promise<void> {
    return this.mailbox.call({ tag: "moderate", request, account });
  }

  /** The settings, or `forbidden` for someone the room does not let in (a banned person, a private room's stranger). */
  admit(actor: Actor, address?: string): Promise<RoomSettings> {
    return this.mailbox.call({ tag: "admit", actor, address });
  }

  /** Resolves if the person may post, react and type here now (slow mode aside); else `forbidden` saying why. */
  mayPost(identity: Identity, address?: string): Promise<void> {
    return this.mailbox.call({ tag: "mayPost", identity, address });
  }

  /** As admit, with the people in the room on every node. */
  details(actor: Actor, address?: string): Promise<RoomInfo> {
    return this.mailbox.call({ tag: "details", actor, address });
  }

  /** Reads the settings and lists from the store again (another node changed them). */
  reconfigure(): Promise<void> {
    return this.mailbox.call({ tag: "reconfigure" });
  }

  /**
   * Deletes the room: its history and owner leave the store, watchers get `room:deleted`,
   * and the worker stops. Operations queued behind it go to a fresh, empty room.
   */
  delete(): Promise<void> {
    return this.mailbox.call({ tag: "delete" });
  }

  /** Whether the rooms list shows it: public rooms only. */
  get listed(): boolean {
    return this.access.settings.visibility === "public";
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
    if (op.tag !== "observe" && op.tag !== "refresh" && op.tag !== "reconfigure") this.lastActivity = Date.now();
    switch (op.tag) {
      case "join":
        return reply.resolve(await this.handleJoin(op));
      case "leave":
        return reply.resolve(await this.handleLeave(op.connectionId));
      case "send":
        // Answered later, by the "stored" operation its append comes back as.
        return this.handleSend(op.request, reply);
      case "stored":
        return reply.resolve(await this.handleStored(op.outcome));
      case "window":
        return reply.resolve(this.window.list());
      case "change":
        return reply.resolve(await this.handleChange(op.seq, op.request));
      case "changed":
        return reply.resolve(this.showChange(op.message));
      case "observe":
        return reply.resolve(await this.handleObserve(op.message));
      case "refresh":
        return reply.resolve(await this.handleRefresh());
      case "reconfigure":
        this.access = await readAccess(this.deps.store, this.name);
        return reply.resolve(undefined);
      case "configure":
        return reply.resolve(await this.handleConfigure(op.actor, op.change));
      case "moderate":
        return reply.resolve(await this.handleModerate(op.request, op.account));
      case "admit":
        admission(this.access, op.actor, op.address, this.name);
        return reply.resolve(settingsOf(this.access));
      case "mayPost":
        return reply.resolve(mayPost(this.access, op.identity, op.address, this.name));
      case "details":
        admission(this.access, op.actor, op.address, this.name);
        return reply.resolve({ settings: settingsOf(this.access), members: await this.deps.presence.everyone() });
      case "delete":
        return reply.resolve(await this.handleDelete());
      default: {
        const unknown: never = op;
        throw new Error(`Unknown room operation ${JSON.stringify(unknown)}`);
      }
    }
  }

  private async handleJoin(op: Extract<Operation, { tag: "join" }>): Promise<JoinResult> {
    const { connectionId, identity, address, invited } = op;
    const { presence, publish } = this.deps;
    await this.claimOwnership(identity);
    if (invited) await this.apply(admitByInvite(this.access, identity, address, new Date()));
    admission(this.access, identity, address, this.name);
    this.addresses.set(connectionId, { identity, address });
    const { first, members } = await presence.join(connectionId, identity);
    if (first) {
      this.notice("join", identity.username);
      publish(roomTopic(this.name), "room:presence", { room: this.name, members });
    }
    return { messages: this.window.list(), members };
  }

  private async handleLeave(connectionId: string): Promise<void> {
    const { presence, publish } = this.deps;
    this.addresses.delete(connectionId);
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
    const author = authorKeyOf(request.author);
    if (request.replyTo !== undefined) await this.checkReplyTo(request.replyTo);
    speaking(this.access, request.author, request.address, this.name, this.lastPosted, Date.now());
    const outcome = this.deps.store
      .append(this.name, {
        username: request.author.username,
        guest: request.author.guest,
        ...(request.author.tag !== undefined ? { tag: request.author.tag } : {}),
        ...(author !== undefined ? { author } : {}),
        content,
        sentAt: new Date().toISOString(),
        ...(request.clientId !== undefined ? { clientId: request.clientId } : {}),
        ...(request.replyTo !== undefined ? { replyTo: request.replyTo } : {}),
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
   * A reply names a message of this room. Seqs are gap-free and a deleted message keeps
   * its seq, so any seq up to the newest exists; the store is asked only about one newer
   * than the window (stored by another node, not heard of yet).
   */
  private async checkReplyTo(seq: number): Promise<void> {
    if (seq <= this.window.lastSeq) return;
    const [found] = await this.deps.store.before(this.name, seq + 1, 1);
    if (found?.seq !== seq) throw new ChatError("not_found", `Room "${this.name}" has no message ${seq} to reply to.`);
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

  private async handleChange(seq: number, request: ChangeRequest): Promise<Message> {
    // Sends in flight are stored first, so a change never overtakes the message it changes.
    await this.appended;
    const change = messageChange(this.access, this.name, request, new Date());
    const message = await this.deps.store.updateMessage(this.name, seq, change);
    // A pin, an unpin or the delete of a pinned message: the room's list of pins follows.
    const settings = pinnedAfter(this.access.settings, message);
    if (settings) await this.apply({ settings, audit: [], notice: "" });
    this.showChange(message);
    return message;
  }

  /** The window takes the changed message; pages get the list and, for older history, the message itself. */
  private showChange(message: Message): void {
    if (this.window.update(message)) this.listPush.schedule();
    this.deps.publish(roomTopic(this.name), "room:message", { room: this.name, message });
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
    this.access = emptyAccess();
    await this.deps.presence.clear();
    this.deps.publish(roomTopic(this.name), "room:deleted", { room: this.name });
    this.exit("deleted", false);
  }

  /** The first registered user to join or post owns the room (the store keeps the first claim). */
  private async claimOwnership(identity: Identity): Promise<void> {
    if (identity.guest || this.ownerKnown) return;
    this.access.owner = await this.deps.store.claimOwner(this.name, identity.username);
    this.ownerKnown = true;
  }

  private notice(kind: "join" | "leave", username: string): void {
    const at = new Date().toISOString();
    this.deps.publish(roomTopic(this.name), "room:notice", { room: this.name, kind, username, at });
  }

  private async handleConfigure(actor: Actor, change: SettingsChange): Promise<RoomSettings> {
    const now = new Date();
    const outcome = configure(this.access, actor, change, now);
    if (outcome.settings?.visibility === "private" && this.access.settings.visibility !== "private") {
      // People here on other nodes are known by name only: accounts stay members, guests there do not.
      const elsewhere = (await this.deps.presence.everyone()).map((identity) => ({ identity, address: undefined }));
      outcome.put = keepPresent([...elsewhere, ...this.addresses.values()], nameOf(actor), now);
    }
    await this.apply(outcome);
    return settingsOf(this.access);
  }

  private async handleModerate(request: ModerationRequest, account: boolean): Promise<void> {
    const lower = request.username.toLowerCase();
    const here = [...this.addresses.values()].filter(({ identity }) => identity.guest !== account && identity.username.toLowerCase() === lower);
    const identity = here[0]?.identity ?? { username: request.username, guest: !account };
    const addresses = here.flatMap(({ address }) => (address === undefined ? [] : [address]));
    const sessions = guestSessionKeys(here.map(({ identity: person }) => person.key));
    await this.apply(moderate(this.access, request, { identity, addresses, sessions }, new Date()));
  }

  /** Stores what a keeper's change does (durable before the ack), then tells the room. */
  private async apply(outcome: Outcome): Promise<void> {
    const { store, publish } = this.deps;
    const topic = roomTopic(this.name);
    if (outcome.settings) {
      await store.saveRoomSettings(this.name, outcome.settings);
      this.access.settings = outcome.settings;
    }
    for (const { list, entry } of outcome.put ?? []) {
      await store.putRoomEntry(this.name, list, entry);
      this.access[list] = [...this.access[list].filter((held) => held.key !== entry.key), entry];
    }
    for (const { list, key } of outcome.remove ?? []) {
      await store.removeRoomEntry(this.name, list, key);
      this.access[list] = this.access[list].filter((held) => held.key !== key);
    }
    for (const line of outcome.audit) await store.appendAudit(this.name, line);
    if (outcome.settings) publish(topic, "room:settings", { room: this.name, settings: settingsOf(this.access) });
    if (outcome.notice !== "") {
      const by = outcome.audit[0]?.by ?? "";
      const kind = outcome.audit[0]?.action === "configure" ? "settings" : "moderation";
      publish(topic, "room:notice", { room: this.name, kind, username: by, at: new Date().toISOString(), text: outcome.notice });
    }
    if (outcome.removed) {
      const { identity, reason } = outcome.removed;
      const banned = (outcome.put ?? []).some(({ list }) => list === "bans");
      publish(topic, "room:removed", { room: this.name, reason, by: outcome.audit[0]?.by ?? "", username: identity.username, guest: identity.guest, banned });
    }
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

/** The room's settings and lists as the store holds them. */
async function readAccess(store: Store, room: string): Promise<RoomAccess> {
  const [owner, settings, bans, mutes, members] = await Promise.all([
    store.owner(room),
    store.roomSettings(room),
    store.roomEntries(room, "bans"),
    store.roomEntries(room, "mutes"),
    store.roomEntries(room, "members"),
  ]);
  return { ...emptyAccess(), owner, ...(settings ? { settings } : {}), bans, mutes, members };
}
