// The chat service: every operation a client can ask for, written once for every
// transport (Socket.IO, HTTP/SSE, gRPC), in the way of a Phoenix context. Each takes
// the caller (as its transport read it) and an untrusted payload, and answers a
// result or throws a ChatError. Limits, permissions and throttles are decided here,
// and every refusal is reported to the observer, whichever transport it came by.
import { timingSafeEqual } from "node:crypto";
import type { Accounts } from "../accounts/accounts";
import type { AuthThrottle } from "../accounts/auth-throttle";
import type { SessionData } from "../accounts/session";
import { ChatError } from "../errors";
import type { ConnectionLimiter, Release } from "../limits/connection-limiter";
import type { JoinLimiter } from "../limits/join-limiter";
import type { SendLimiter } from "../limits/send-limiter";
import type { Logger } from "../logger";
import { GUEST_DEFAULT_NAME, normalizeContent, normalizeRoomName, normalizeSearchText } from "../names";
import { parsePayload } from "../payloads";
import { accountPerson, guestPerson, newGuestSessionId, publicIdentity, type Person } from "../people";
import { DEPARTURE_MAX_RETRY_MS, DEPARTURE_RETRY_MS, Departures } from "../presence/departures";
import type { ErrorCode, Identity, Member, Message, NotifyLevel, Role, RoomSettings, RoomSummary, RoomUnread } from "../protocol";
import type { RegistryManager } from "../rooms/registry";
import { checkInvite, INVITE_DEFAULT_S, signInvite } from "../rooms/invites";
import { isKeeper, roleOf, type Actor } from "../rooms/roles";
import type { AuditEntry } from "../store/store";
import { createTurnPacer } from "../turn-pacer";
import type { Caller, ConnectionPort } from "./caller";
import { deleteMessage, editMessage, pin, react, type ConversationContext } from "./conversation";
import { Connection } from "./connection";
import { Reading } from "./reading";
import { TypingBoard } from "./typing";
import { MAX_WATCHED_ROOMS, RoomWatches } from "./watches";
import { configureRoom, moderateRoom, roomAudit, roomDetails, type OwnersContext, type RoomDetails, type SightingsElsewhere } from "./owners";

/** Rooms one connection may be in at once: a page is in one, so 100 only stops a memory flood. */
export const MAX_ROOMS_PER_CONNECTION = 100;
/** History pages: this many messages unless asked, never more than the maximum. */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;
/** The home page lists at most this many rooms. */
export const ROOM_LIST_MAX = 50;
/** Search results: this many unless asked, never more than the maximum. */
export const SEARCH_DEFAULT = 20;
export const SEARCH_MAX = 100;

/** Told of every refusal (a ChatError answered to a caller), for metrics. */
export interface ChatObserver {
  refused(operation: ChatOperation, code: ErrorCode): void;
  /** A connection was cut off for flooding (joining on past its refusals). */
  floodCut?(): void;
}

export interface ChatServiceOptions {
  registry: RegistryManager;
  accounts: Accounts;
  authThrottle: AuthThrottle;
  sendLimiter: SendLimiter;
  /** Long-lived connections and streams per address and in all (MAX_CONNECTIONS_PER_ADDRESS, MAX_CONNECTIONS); none without. */
  connections?: ConnectionLimiter;
  /** Room joins per address (JOIN_RATE, JOIN_BURST); none without. */
  joins?: JoinLimiter;
  /** Where a closed connection's leaves go, after a grace and retried until recorded; without, at once and retried. */
  departures?: Departures;
  /** Signs invite links to private rooms; without one, no links are made. */
  inviteSecret?: string;
  /** ADMIN_TOKEN; without one, nothing is admin and the admin-only operations do not exist. */
  adminToken?: string;
  logger: Logger;
  observer?: ChatObserver;
  /** Who is typing, shared with the other nodes by the server; one of this node's own unless given. */
  typing?: TypingBoard;
  /**
   * The public rooms live on any node, with everyone in them counted (the server asks the
   * other nodes: server/cluster-rooms.ts); this node's live rooms unless given.
   */
  liveRooms?: () => Promise<RoomSummary[]>;
  /**
   * The connections to a room of the person named on the other nodes (the server asks
   * them: server/cluster-people.ts), so a ban or mute made here reaches a guest connected
   * there; none unless given.
   */
  sightingsElsewhere?: SightingsElsewhere;
}

export interface JoinResult {
  room: string;
  messages: Message[];
  members: Member[];
  you: Identity;
  role: Role;
  settings: RoomSettings;
}

/** An account operation's answer: the user, and the session the transport hands back (cookie or token). */
export interface SignedIn {
  user: Identity;
  session: SessionData;
}

export type ChatOperation =
  | "admit"
  | "join"
  | "leave"
  | "send"
  | "history"
  | "search"
  | "deleteRoom"
  | "editMessage"
  | "deleteMessage"
  | "react"
  | "pin"
  | "crashRoom"
  | "register"
  | "login"
  | "logout"
  | "guest"
  | "me"
  | "identify"
  | "configure"
  | "moderate"
  | "roomDetails"
  | "audit"
  | "invite"
  | "watch"
  | "typing"
  | "read"
  | "watchRooms"
  | "myRooms"
  | "list";

const JOINS_PER_TURN = 32;

export class ChatService {
  private readonly options: ChatServiceOptions;
  private readonly adminToken: Buffer | undefined;
  /** Who is typing in each room (never stored). */
  readonly typingBoard: TypingBoard;
  /** This node's connections' watch sets; the transport delivers their activity. */
  readonly watches: RoomWatches;
  private readonly reading: Reading;

  private readonly departures: Departures;
  /**
   * Joins begun per turn of the event loop. A thousand pages back from a network blip
   * join within a second or two, each answered with its room's list; taken as they
   * arrive, one turn ran dozens of them and everyone else's sends waited behind it.
   */
  private readonly paceJoin = createTurnPacer(JOINS_PER_TURN);
  private readonly owners: OwnersContext;
  private readonly conversation: ConversationContext;
  /** This node's open connections by person, each with its number in the order opened (for `rejoining`). */
  private readonly openByPerson = new Map<string, Map<Connection, number>>();
  private connectionsOpened = 0;

  constructor(options: ChatServiceOptions) {
    this.options = options;
    this.departures =
      options.departures ??
      new Departures({
        leave: (room, connectionId) => options.registry.leave(room, connectionId),
        graceMs: 0,
        retryMs: DEPARTURE_RETRY_MS,
        maxRetryMs: DEPARTURE_MAX_RETRY_MS,
        logger: options.logger,
      });
    this.adminToken = options.adminToken ? Buffer.from(options.adminToken) : undefined;
    this.owners = {
      registry: options.registry,
      accounts: options.accounts,
      actorOf: async (caller) => (this.isAdmin(caller) ? "admin" : this.identityOf(caller)),
      ...(options.sightingsElsewhere ? { elsewhere: options.sightingsElsewhere } : {}),
    };
    const { registry } = options;
    this.typingBoard = options.typing ?? new TypingBoard({ publish: registry.pushes.publish });
    this.watches = new RoomWatches(registry);
    this.reading = new Reading({ store: registry.store, publish: registry.pushes.publish });
    this.conversation = {
      registry: options.registry,
      personOf: (caller) => this.identityOf(caller),
      actorOf: async (caller) => (this.isAdmin(caller) ? "admin" : this.identityOf(caller)),
      spend: (caller) => this.spend(caller),
    };
  }

  /** Who the caller is, with the key of the person (lib/people.ts); a token must be a signed-in user's session. */
  identify(caller: Caller): Promise<Person> {
    return this.run("identify", () => this.identityOf(caller));
  }

  /**
   * Admits a long-lived connection or stream from `address` (a Socket.IO connection, an
   * SSE stream, a gRPC Watch), or refuses it rate_limited past the address's cap or the
   * node's budget. Call the answer once it closes. Synchronous: checked before anything else.
   */
  admit(address: string): Release {
    try {
      return this.options.connections?.admit(address) ?? (() => {});
    } catch (error) {
      if (error instanceof ChatError) this.options.observer?.refused("admit", error.code);
      throw error;
    }
  }

  /**
   * The caller for a new connection, with its own send allowance; `identity` is its for
   * life. Without a key (a guest without a cookie), the connection is the person.
   */
  connect(port: ConnectionPort, identity: Identity & { key?: string }, address: string): Caller {
    const person: Person =
      identity.key !== undefined
        ? (identity as Person)
        : identity.guest
          ? guestPerson(identity.username)
          : accountPerson(identity.username);
    const connection = new Connection(port, this.options.sendLimiter.forConnection());
    let open = this.openByPerson.get(person.key);
    if (!open) this.openByPerson.set(person.key, (open = new Map()));
    open.set(connection, ++this.connectionsOpened);
    return { credentials: { kind: "connection", identity: person }, address, connection };
  }

  join(caller: Caller, payload: unknown): Promise<JoinResult> {
    return this.run("join", async () => {
      // Before anything else, as sends take a token: a flood of joins costs no room start and no store read.
      await this.takeJoin(caller);
      await new Promise<void>((resolve) => this.paceJoin(resolve));
      const { room: asked, invite } = parsePayload("join", payload);
      const room = normalizeRoomName(asked);
      const { port } = this.connectionOf(caller);
      if (invite !== undefined) this.checkInvite(invite, room);
      if (!port.isIn(room) && count(port.rooms()) >= MAX_ROOMS_PER_CONNECTION) {
        throw new ChatError("rate_limited", `One connection can be in at most ${MAX_ROOMS_PER_CONNECTION} rooms at once; leave one first.`);
      }
      const person = await this.identityOf(caller);
      // Entered before the join is read, so no push falls between the list and the subscription.
      const already = port.isIn(room);
      await port.enter(room);
      try {
        const { registry } = this.options;
        const { messages, members } = await registry.join(room, port.id, person, caller.address, invite !== undefined);
        // A connection is a person, never the admin token.
        const settings = await registry.admit(room, person, caller.address);
        await this.reading.joined(person, room);
        return { room, messages, members, you: publicIdentity(person), role: roleOf(settings, person) as Role, settings };
      } catch (error) {
        // A refused join again of a room it is in leaves the connection in it, as presence still lists it.
        if (!already) await port.exit(room);
        throw error;
      }
    });
  }

  leave(caller: Caller, payload: unknown): Promise<void> {
    return this.run("leave", async () => {
      const room = normalizeRoomName(parsePayload("room", payload).room);
      const { port } = this.connectionOf(caller);
      await port.exit(room);
      // The connection is out of the room's topic: a leave the room cannot record now is retried.
      await this.options.registry.leave(room, port.id).catch(() => this.departures.depart(room, port.id));
    });
  }

  /**
   * The connection is going: it leaves every room it is in after the departure grace
   * (a page back within it changes nothing), retried until recorded.
   */
  disconnect(caller: Caller): void {
    const connection = this.connectionOf(caller);
    const { port } = connection;
    const key = caller.credentials.kind === "connection" ? caller.credentials.identity.key : undefined;
    const open = key !== undefined ? this.openByPerson.get(key) : undefined;
    open?.delete(connection);
    if (open?.size === 0) this.openByPerson.delete(key!);
    this.watches.drop(port.id);
    // A page back while its rejoin waits its turn (a storm's joins are paced) is not announced as gone and back.
    const closedAt = this.connectionsOpened;
    for (const room of port.rooms()) this.departures.depart(room, port.id, () => this.rejoining(key, room, closedAt));
  }

  /** Whether one of the person's connections opened after `closedAt` is not in the room yet (its join still coming). */
  private rejoining(key: string | undefined, room: string, closedAt: number): boolean {
    const open = key !== undefined ? this.openByPerson.get(key) : undefined;
    for (const [connection, opened] of open ?? []) if (opened > closedAt && !connection.port.isIn(room)) return true;
    return false;
  }

  /**
   * Every member must have an open connection: members of this node that `isOpen` says
   * are gone (a join that finished after its socket closed, a disconnect never handled)
   * depart. The transport that knows the open connections calls this every few seconds.
   */
  sweepPresence(isOpen: (connectionId: string) => boolean): void {
    for (const { room, connectionId } of this.options.registry.staleConnections(isOpen)) {
      this.departures.depart(room, connectionId);
    }
  }

  /**
   * Sends a message. The payload and content are checked before the sender's allowance
   * is spent and before the room's worker sees them: a refused message costs neither.
   */
  send(caller: Caller, payload: unknown): Promise<Message> {
    return this.run("send", async () => {
      const { room: asked, content: raw, clientId, replyTo } = parsePayload("send", payload);
      const room = normalizeRoomName(asked);
      const content = normalizeContent(raw);
      if (caller.connection) caller.connection.sends.take();
      else await this.options.sendLimiter.take(caller.address);
      // A connection's identity is known: no await on the path every socket message takes.
      const { credentials } = caller;
      const author = credentials.kind === "connection" ? credentials.identity : await this.identityOf(caller);
      const message = await this.options.registry.send(room, {
        author,
        address: caller.address,
        content,
        ...(caller.connection ? { connectionId: caller.connection.port.id } : {}),
        ...(clientId !== undefined ? { clientId } : {}),
        ...(replyTo !== undefined ? { replyTo } : {}),
      });
      // Their message is here: they are no longer typing.
      this.typingBoard.stopped(room, author.username);
      return message;
    });
  }

  /** The caller is typing in a room it has joined; throttled per connection, never stored. */
  typing(caller: Caller, payload: unknown): Promise<void> {
    return this.run("typing", async () => {
      const room = normalizeRoomName(parsePayload("room", payload).room);
      const connection = this.connectionOf(caller);
      if (!connection.port.isIn(room)) throw new ChatError("not_joined", `Join room "${room}" before typing in it.`);
      connection.takeTyping();
      const person = await this.identityOf(caller);
      // A muted person, or a member of a read-only room, may read but not type (issue 13).
      await this.options.registry.mayPost(room, person, caller.address);
      this.typingBoard.typing(room, person.username);
    });
  }

  /** Moves the caller's read marker in a room (never back, never past its newest message). */
  markRead(caller: Caller, payload: unknown): Promise<number> {
    return this.run("read", async () => {
      const { room: asked, seq } = parsePayload("read", payload);
      const room = normalizeRoomName(asked);
      // No join needed (as over HTTP): a page's sidebar tells its connection a guest's markers.
      const you = await this.identityOf(caller);
      return this.reading.markRead(you, room, seq, caller.connection?.reads);
    });
  }

  /** Replaces the rooms the connection watches; answers each one's counts for the caller. */
  watchRooms(caller: Caller, payload: unknown): Promise<RoomUnread[]> {
    return this.run("watchRooms", async () => {
      const { rooms: asked } = parsePayload("watch", payload);
      if (asked.length > MAX_WATCHED_ROOMS) {
        throw new ChatError("invalid_payload", `A connection can watch at most ${MAX_WATCHED_ROOMS} rooms.`);
      }
      const named = [...new Set(asked.map(normalizeRoomName))];
      const connection = this.connectionOf(caller);
      const you = await this.identityOf(caller);
      // A private room is watched by its members only (and nobody watches a room they are banned from).
      const allowed = await Promise.all(named.map((room) => this.options.registry.admit(room, you, caller.address).then(() => true, refusedAs(false))));
      const rooms = named.filter((_, i) => allowed[i]);
      await connection.port.watch?.(rooms);
      this.watches.set(connection.port.id, you.username, rooms);
      return this.reading.counts(you, rooms, connection.reads);
    });
  }

  /**
   * The rooms to show on the home page: rooms people are in now (on any node), then rooms with history
   * (from the store, so the list survives restarts), most recently active first. A live
   * room with no one in it and no messages is not listed.
   */
  listRooms(): Promise<RoomSummary[]> {
    return this.run("list", async () => {
      const { registry } = this.options;
      const listed = new Map<string, RoomSummary>();
      const live = this.options.liveRooms ? await this.options.liveRooms() : registry.list();
      for (const room of live) if (room.members > 0 || room.messages > 0) listed.set(room.name, room);
      for (const stored of await registry.store.roomsByActivity(ROOM_LIST_MAX)) {
        if (!listed.has(stored.room)) listed.set(stored.room, { name: stored.room, members: 0, messages: stored.seq, lastActivity: stored.lastActivity });
      }
      const ranked = [...listed.values()].sort(
        (a, b) => Number(b.members > 0) - Number(a.members > 0) || (b.lastActivity ?? "").localeCompare(a.lastActivity ?? ""),
      );
      // Public rooms only: an unlisted or private room is not for the home page.
      const shown: RoomSummary[] = [];
      for (const room of ranked) {
        if (shown.length === ROOM_LIST_MAX) break;
        const visibility = (await registry.store.roomSettings(room.name))?.visibility ?? "public";
        if (visibility === "public") shown.push(room);
      }
      return shown;
    });
  }

  /** The caller's rooms with their counts (accounts; a guest's rooms stay in its browser). */
  myRooms(caller: Caller): Promise<RoomUnread[]> {
    return this.run("myRooms", async () => this.reading.rooms(await this.identityOf(caller)));
  }

  /** Adds a room to the caller's rooms, or sets how it notifies; answers the rooms. */
  addMyRoom(caller: Caller, payload: unknown): Promise<RoomUnread[]> {
    return this.run("myRooms", async () => {
      const { room, notify } = parsePayload("myRoom", payload);
      const you = await this.identityOf(caller);
      await this.reading.addRoom(you, normalizeRoomName(room), notify as NotifyLevel | undefined);
      return this.reading.rooms(you);
    });
  }

  /** Removes a room from the caller's rooms; answers the rooms. */
  removeMyRoom(caller: Caller, payload: unknown): Promise<RoomUnread[]> {
    return this.run("myRooms", async () => {
      const room = normalizeRoomName(parsePayload("room", payload).room);
      const you = await this.identityOf(caller);
      await this.reading.removeRoom(you, room);
      return this.reading.rooms(you);
    });
  }

  /** A page of history, newest last: `limit` messages (at most PAGE_MAX) before seq `before`. */
  history(caller: Caller, payload: unknown): Promise<Message[]> {
    return this.run("history", async () => {
      const { room: asked, limit, before } = parsePayload("history", payload);
      const room = normalizeRoomName(asked);
      await this.checkAdmission(caller, room);
      return this.options.registry.history(room, Math.min(PAGE_MAX, limit ?? PAGE_DEFAULT), before);
    });
  }

  /** Edits one of the caller's own messages. */
  editMessage(caller: Caller, payload: unknown): Promise<Message> {
    return this.run("editMessage", () => editMessage(this.conversation, caller, payload));
  }

  /** Deletes a message: the caller's own, or any for the room's keepers and the admin token. */
  deleteMessage(caller: Caller, payload: unknown): Promise<Message> {
    return this.run("deleteMessage", () => deleteMessage(this.conversation, caller, payload));
  }

  /** Adds or takes back the caller's emoji on a message: anyone who may post in the room. */
  react(caller: Caller, payload: unknown): Promise<Message> {
    return this.run("react", () => react(this.conversation, caller, payload));
  }

  /** Pins or unpins a message: the room's owner and moderators, and the admin token. */
  pin(caller: Caller, payload: unknown): Promise<Message> {
    return this.run("pin", () => pin(this.conversation, caller, payload));
  }

  /** Changes a room's settings: its owner and moderators may (visibility the owner alone), and the admin. */
  configure(caller: Caller, payload: unknown): Promise<RoomSettings> {
    return this.run("configure", () => configureRoom(this.owners, caller, payload));
  }

  /** Kicks, bans, mutes, appoints or invites someone: the room's owner and moderators may, and the admin. */
  moderate(caller: Caller, payload: unknown): Promise<void> {
    return this.run("moderate", () => moderateRoom(this.owners, caller, payload));
  }

  /** A room's settings and members, for anyone it lets in. */
  roomDetails(caller: Caller, payload: unknown): Promise<RoomDetails> {
    return this.run("roomDetails", () => roomDetails(this.owners, caller, payload));
  }

  /** A room's audit log, newest first, for its keepers. */
  audit(caller: Caller, payload: unknown): Promise<AuditEntry[]> {
    return this.run("audit", () => roomAudit(this.owners, caller, payload));
  }

  /** An invite link to a room, for its keepers; `url` is the room page's path with the signed invite. */
  invite(caller: Caller, payload: unknown): Promise<{ url: string }> {
    return this.run("invite", async () => {
      const { room: asked, expiresInS } = parsePayload("invite", payload);
      const room = normalizeRoomName(asked);
      const actor = await this.owners.actorOf(caller);
      const settings = await this.options.registry.admit(room, actor, caller.address);
      if (!isKeeper(roleOf(settings, actor))) throw new ChatError("forbidden", "Only the room's owner and moderators can make invite links.");
      const { inviteSecret } = this.options;
      if (!inviteSecret) throw new ChatError("not_found", "This server makes no invite links.");
      const token = signInvite(inviteSecret, room, new Date(Date.now() + (expiresInS ?? INVITE_DEFAULT_S) * 1000));
      return { url: `/rooms/${encodeURIComponent(room)}?invite=${token}` };
    });
  }

  /**
   * Starts a stream of a room's pushes (SSE, gRPC Watch) for someone the room lets in:
   * streams bypass the worker's join, so the check is made here. `start` is told who
   * watches, so a kick or ban of that person ends the stream.
   */
  watch<T>(caller: Caller, payload: unknown, start: (room: string, who: Actor) => Promise<T>): Promise<T> {
    return this.run("watch", async () => {
      const room = normalizeRoomName(parsePayload("room", payload).room);
      const who = await this.owners.actorOf(caller);
      await this.options.registry.admit(room, who, caller.address);
      return start(room, who);
    });
  }

  /**
   * Messages matching `text` (plain text, see lib/store/search-text.ts): in `room`, newest
   * first, below seq `before` when given; without a room, across the rooms the caller may
   * read (a banned person's and a private room's stranger's are left out), best match first.
   */
  search(caller: Caller, payload: unknown): Promise<Message[]> {
    return this.run("search", async () => {
      const { text, room: asked, before, limit } = parsePayload("search", payload);
      const query = normalizeSearchText(text);
      const count = Math.min(SEARCH_MAX, limit ?? SEARCH_DEFAULT);
      const { registry } = this.options;
      if (asked === undefined) return this.readable(caller, await registry.searchAll(query, { limit: count }));
      const room = normalizeRoomName(asked);
      await this.checkAdmission(caller, room);
      return registry.search(room, query, { limit: count, ...(before !== undefined ? { before } : {}) });
    });
  }

  /** Deletes a room: its owner or an admin may. */
  deleteRoom(caller: Caller, payload: unknown): Promise<void> {
    return this.run("deleteRoom", async () => {
      const room = normalizeRoomName(parsePayload("room", payload).room);
      const by = this.isAdmin(caller) ? "admin" : await this.identityOf(caller);
      await this.options.registry.deleteRoom(room, by);
      this.options.logger.info("room deleted", { room, by: by === "admin" ? "admin" : by.username });
    });
  }

  /** Kills a room's worker on purpose, to exercise supervision: admin only, and only where there is an admin token. */
  crashRoom(caller: Caller, payload: unknown): Promise<void> {
    return this.run("crashRoom", async () => {
      if (!this.adminToken) throw new ChatError("not_found", "There is no such route.");
      if (!this.isAdminToken(caller.bearer)) throw new ChatError("unauthorized", "Send the admin token as Authorization: Bearer <ADMIN_TOKEN>.");
      const room = normalizeRoomName(parsePayload("room", payload).room);
      await this.options.registry.crash(room);
      this.options.logger.warn("room crashed on purpose through the admin route", { room });
    });
  }

  register(caller: Caller, payload: unknown): Promise<SignedIn> {
    return this.run("register", async () => {
      const { username, password } = parsePayload("credentials", payload);
      await this.options.authThrottle.register(caller.address);
      const user = await this.options.accounts.register(username, password);
      return { user, session: await this.options.accounts.sessionOf(user) };
    });
  }

  /** Signs in; only a wrong name or password counts toward the login throttle. */
  login(caller: Caller, payload: unknown): Promise<SignedIn> {
    return this.run("login", async () => {
      const { username, password } = parsePayload("credentials", payload);
      const { authThrottle, accounts } = this.options;
      await authThrottle.checkLogin(caller.address, username);
      const user = await accounts.login(username, password).catch(async (error: unknown) => {
        if (error instanceof ChatError && error.code === "unauthorized") await authThrottle.loginFailed(caller.address, username);
        throw error;
      });
      return { user, session: await accounts.sessionOf(user) };
    });
  }

  /** Ends every session of the caller's account (nothing to end for a guest). */
  logout(caller: Caller): Promise<void> {
    return this.run("logout", async () => {
      const session = await sessionOf(caller);
      if (session) await this.options.accounts.logout(session);
    });
  }

  /** Chats as a guest under a name; a signed-in user must log out first. */
  guest(caller: Caller, payload: unknown): Promise<SignedIn> {
    return this.run("guest", async () => {
      const { name } = parsePayload("guest", payload);
      if (!(await this.identityOf(caller)).guest) {
        throw new ChatError("forbidden", "You are signed in; log out to chat as a guest.");
      }
      const user = await this.options.accounts.guest(name);
      // A guest session goes on under the new name: its messages stay its own.
      const guestId = (await sessionOf(caller))?.guestId;
      const named: SessionData = user.username === GUEST_DEFAULT_NAME ? {} : { guestName: user.username };
      if (guestId === undefined) return { user, session: named };
      return { user: publicIdentity(guestPerson(user.username, guestId)), session: { ...named, guestId } };
    });
  }

  /** Who the caller is now; a session whose guest name cannot be used is the default guest. */
  me(caller: Caller): Promise<Identity> {
    return this.run("me", async () => {
      const session = await sessionOf(caller);
      const person = await this.identityOf(caller).catch(() => guestPerson(GUEST_DEFAULT_NAME, session?.guestId));
      // A guest is tagged by its guest session; a caller without one has no lasting tag to show.
      if (person.guest && session?.guestId === undefined && caller.credentials.kind !== "connection") {
        return { username: person.username, guest: true };
      }
      return publicIdentity(person);
    });
  }

  /** The messages of rooms that let the caller in. */
  private async readable(caller: Caller, messages: Message[]): Promise<Message[]> {
    const allowed = new Map<string, boolean>();
    for (const room of new Set(messages.map((message) => message.room))) {
      allowed.set(
        room,
        await this.checkAdmission(caller, room).then(
          () => true,
          (error: unknown) => {
            if (error instanceof ChatError && error.code === "forbidden") return false;
            throw error;
          },
        ),
      );
    }
    return messages.filter((message) => allowed.get(message.room) === true);
  }

  /** Throws `forbidden` unless the room lets the caller in (bans, private rooms). */
  private async checkAdmission(caller: Caller, room: string): Promise<void> {
    await this.options.registry.admit(room, await this.owners.actorOf(caller), caller.address);
  }

  /**
   * Begins a guest session for a guest whose cookie holds none, so what it writes from now
   * on is its own (lib/people.ts); answers the session for the transport to hand back as
   * the cookie, or undefined when there is nothing to begin.
   */
  beginGuestSession(caller: Caller): Promise<SessionData | undefined> {
    return this.run("me", async () => {
      if (caller.credentials.kind !== "cookie") return undefined;
      const session = await sessionOf(caller);
      if (!session || session.guestId !== undefined) return undefined;
      if (session.username && !(await this.identityOf(caller).catch(() => guestPerson(GUEST_DEFAULT_NAME))).guest) return undefined;
      return { ...(session.guestName !== undefined ? { guestName: session.guestName } : {}), guestId: newGuestSessionId() };
    });
  }

  private async identityOf(caller: Caller): Promise<Person> {
    const { credentials } = caller;
    switch (credentials.kind) {
      case "connection":
        return credentials.identity;
      case "cookie":
        return this.personOf(await credentials.session(), credentials.guestName);
      case "token": {
        if (!credentials.session) return this.personOf({}, credentials.guestName);
        const session = await credentials.session();
        const identity = session.username ? await this.options.accounts.identify(session) : undefined;
        if (!identity || identity.guest) {
          throw new ChatError("unauthorized", "The token is not valid (or has expired); call Login for a new one.");
        }
        return accountPerson(identity.username);
      }
    }
  }

  /** The person a session is: its account, or a guest keyed by its guest session (else by this call alone). */
  private async personOf(session: SessionData, guestName?: string): Promise<Person> {
    const identity = await this.options.accounts.identify(session, guestName);
    return identity.guest ? guestPerson(identity.username, session.guestId) : accountPerson(identity.username);
  }

  /**
   * Whether the caller presented the admin token (compared in constant time). A bearer
   * that is not the admin token is refused, unless bearer tokens are sessions on the
   * caller's transport (gRPC): then it names the caller instead.
   */
  private isAdmin(caller: Caller): boolean {
    if (caller.bearer === undefined) return false;
    if (this.isAdminToken(caller.bearer)) return true;
    if (caller.credentials.kind === "token") return false;
    throw new ChatError("unauthorized", "The Authorization header does not hold the admin token.");
  }

  private isAdminToken(token: string | undefined): boolean {
    if (token === undefined || !this.adminToken) return false;
    const given = Buffer.from(token);
    return given.length === this.adminToken.length && timingSafeEqual(given, this.adminToken);
  }

  /** Spends one send: the connection's own allowance, else the client address's (REST, gRPC; cluster-wide with Redis). */
  private async spend(caller: Caller): Promise<void> {
    if (caller.connection) caller.connection.sends.take();
    else await this.options.sendLimiter.take(caller.address);
  }

  /**
   * Spends one of the address's joins; a connection that goes on past its refusals is cut
   * off, once: the joins it sent before (answered after the count, which may be in Redis)
   * are refused without being counted again. An address refused already is refused before
   * the first await, so a flood's packets read in one go are refused (and its connections
   * cut off) as they are read: the rest of what a cut-off connection sent is never run.
   */
  private async takeJoin(caller: Caller): Promise<void> {
    const connection = caller.connection;
    const cutOff = () => new ChatError("rate_limited", "This connection was cut off for joining too fast.");
    if (connection?.cutOff) throw cutOff();
    try {
      const refused = this.options.joins?.refusal(caller.address);
      if (refused) throw refused;
      await this.options.joins?.take(caller.address);
    } catch (error) {
      if (connection && !connection.cutOff && !connection.takeJoinRefusal()) {
        connection.cutOff = true;
        this.options.logger.warn("cut off a flooding client", { connection: connection.port.id, address: caller.address });
        this.options.observer?.floodCut?.();
        connection.port.close?.();
      }
      throw error;
    }
    if (connection?.cutOff) throw cutOff();
  }

  private checkInvite(token: string, room: string): void {
    if (!this.options.inviteSecret) throw new ChatError("forbidden", "This server makes no invite links.");
    checkInvite(this.options.inviteSecret, token, room);
  }

  private connectionOf(caller: Caller) {
    if (!caller.connection) throw new ChatError("invalid_payload", "Joining and leaving rooms needs a connection (Socket.IO).");
    return caller.connection;
  }

  /** Runs an operation, reporting a refusal to the observer once, whatever the transport. */
  private run<T>(operation: ChatOperation, body: () => Promise<T>): Promise<T> {
    return body().catch((error: unknown) => {
      if (error instanceof ChatError) this.options.observer?.refused(operation, error.code);
      throw error;
    });
  }
}

async function sessionOf(caller: Caller): Promise<SessionData | undefined> {
  const { credentials } = caller;
  return credentials.kind === "connection" ? undefined : credentials.session?.();
}

/** A refusal (ChatError) becomes `value`; anything else is still thrown. */
function refusedAs<T>(value: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof ChatError) return value;
    throw error;
  };
}

function count(items: Iterable<unknown>): number {
  return Array.from(items).length;
}
