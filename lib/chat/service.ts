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
import type { SendLimiter } from "../limits/send-limiter";
import type { Logger } from "../logger";
import { GUEST_DEFAULT_NAME, normalizeContent, normalizeRoomName } from "../names";
import { parsePayload } from "../payloads";
import { accountPerson, guestPerson, newGuestSessionId, publicIdentity, type Person } from "../people";
import type { ErrorCode, Identity, Member, Message, Role, RoomSettings } from "../protocol";
import type { RegistryManager } from "../rooms/registry";
import { roleOf } from "../rooms/roles";
import type { Caller, ConnectionPort } from "./caller";
import { deleteMessage, editMessage } from "./conversation";

/** Rooms one connection may be in at once: a page is in one, so 100 only stops a memory flood. */
export const MAX_ROOMS_PER_CONNECTION = 100;
/** History pages: this many messages unless asked, never more than the maximum. */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

/** Told of every refusal (a ChatError answered to a caller), for metrics. */
export interface ChatObserver {
  refused(operation: ChatOperation, code: ErrorCode): void;
}

export interface ChatServiceOptions {
  registry: RegistryManager;
  accounts: Accounts;
  authThrottle: AuthThrottle;
  sendLimiter: SendLimiter;
  /** ADMIN_TOKEN; without one, nothing is admin and the admin-only operations do not exist. */
  adminToken?: string;
  logger: Logger;
  observer?: ChatObserver;
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
  | "join"
  | "leave"
  | "send"
  | "history"
  | "deleteRoom"
  | "editMessage"
  | "deleteMessage"
  | "crashRoom"
  | "register"
  | "login"
  | "logout"
  | "guest"
  | "me"
  | "identify";

export class ChatService {
  private readonly options: ChatServiceOptions;
  private readonly adminToken: Buffer | undefined;

  constructor(options: ChatServiceOptions) {
    this.options = options;
    this.adminToken = options.adminToken ? Buffer.from(options.adminToken) : undefined;
  }

  /** Who the caller is, with the key of the person (lib/people.ts); a token must be a signed-in user's session. */
  identify(caller: Caller): Promise<Person> {
    return this.run("identify", () => this.identityOf(caller));
  }

  /**
   * The caller for a new connection, with its own send allowance; `identity` is its for
   * life. Without a key (a guest without a cookie), the connection is the person.
   */
  connect(port: ConnectionPort, identity: Identity & { key?: string }, address: string): Caller {
    const person: Person =
      identity.key !== undefined
        ? { ...identity, key: identity.key }
        : identity.guest
          ? guestPerson(identity.username)
          : accountPerson(identity.username);
    return {
      credentials: { kind: "connection", identity: person },
      address,
      connection: { port, sends: this.options.sendLimiter.forConnection() },
    };
  }

  join(caller: Caller, payload: unknown): Promise<JoinResult> {
    return this.run("join", async () => {
      const room = normalizeRoomName(parsePayload("room", payload).room);
      const { port } = this.connectionOf(caller);
      if (!port.isIn(room) && count(port.rooms()) >= MAX_ROOMS_PER_CONNECTION) {
        throw new ChatError("rate_limited", `One connection can be in at most ${MAX_ROOMS_PER_CONNECTION} rooms at once; leave one first.`);
      }
      const person = await this.identityOf(caller);
      // Entered before the join is read, so no push falls between the list and the subscription.
      await port.enter(room);
      try {
        const { registry } = this.options;
        const { messages, members } = await registry.join(room, port.id, person, caller.address);
        // A connection is a person, never the admin token.
        const { settings } = await registry.admit(room, person, caller.address);
        return { room, messages, members, you: publicIdentity(person), role: roleOf(settings, person) as Role, settings };
      } catch (error) {
        await port.exit(room);
        throw error;
      }
    });
  }

  leave(caller: Caller, payload: unknown): Promise<void> {
    return this.run("leave", async () => {
      const room = normalizeRoomName(parsePayload("room", payload).room);
      const { port } = this.connectionOf(caller);
      await port.exit(room);
      await this.options.registry.leave(room, port.id);
    });
  }

  /** The connection is going: it leaves every room it is in (a failure is logged, never thrown). */
  disconnect(caller: Caller): void {
    const { port } = this.connectionOf(caller);
    for (const room of port.rooms()) {
      this.options.registry.leave(room, port.id).catch((error: unknown) => {
        this.options.logger.warn("could not record a leave", { room, error: String(error) });
      });
    }
  }

  /**
   * Sends a message. The payload and content are checked before the sender's allowance
   * is spent and before the room's worker sees them: a refused message costs neither.
   */
  send(caller: Caller, payload: unknown): Promise<Message> {
    return this.run("send", async () => {
      const { room: asked, content: raw, clientId } = parsePayload("send", payload);
      const room = normalizeRoomName(asked);
      const content = normalizeContent(raw);
      if (caller.connection) caller.connection.sends.take();
      else this.options.sendLimiter.take(caller.address);
      // A connection's identity is known: no await on the path every socket message takes.
      const { credentials } = caller;
      const author = credentials.kind === "connection" ? credentials.identity : await this.identityOf(caller);
      return this.options.registry.send(room, {
        author,
        content,
        ...(caller.connection ? { connectionId: caller.connection.port.id } : {}),
        ...(clientId !== undefined ? { clientId } : {}),
      });
    });
  }

  /** A page of history, newest last: `limit` messages (at most PAGE_MAX) before seq `before`. */
  history(caller: Caller, payload: unknown): Promise<Message[]> {
    return this.run("history", async () => {
      const { room: asked, limit, before } = parsePayload("history", payload);
      const room = normalizeRoomName(asked);
      return this.options.registry.history(room, Math.min(PAGE_MAX, limit ?? PAGE_DEFAULT), before);
    });
  }

  /** Edits one of the caller's own messages. */
  editMessage(caller: Caller, payload: unknown): Promise<Message> {
    return this.run("editMessage", async () => editMessage(this.options.registry, await this.identityOf(caller), payload));
  }

  /** Deletes a message: the caller's own, or any for the room's keepers and the admin token. */
  deleteMessage(caller: Caller, payload: unknown): Promise<Message> {
    return this.run("deleteMessage", async () =>
      deleteMessage(this.options.registry, this.isAdmin(caller) ? "admin" : await this.identityOf(caller), payload),
    );
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
      this.options.authThrottle.register(caller.address);
      const user = await this.options.accounts.register(username, password);
      return { user, session: await this.options.accounts.sessionOf(user) };
    });
  }

  /** Signs in; only a wrong name or password counts toward the login throttle. */
  login(caller: Caller, payload: unknown): Promise<SignedIn> {
    return this.run("login", async () => {
      const { username, password } = parsePayload("credentials", payload);
      const { authThrottle, accounts } = this.options;
      authThrottle.checkLogin(caller.address, username);
      const user = await accounts.login(username, password).catch((error: unknown) => {
        if (error instanceof ChatError && error.code === "unauthorized") authThrottle.loginFailed(caller.address, username);
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

function count(items: Iterable<unknown>): number {
  return Array.from(items).length;
}
