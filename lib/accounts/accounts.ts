// Accounts and guest names: who may call themselves what. Passwords are hashed
// with bcrypt (by a PasswordHasher, off the event loop in the server); a registered
// name, or one that looks like it, is never available to anyone else; a logout
// voids every session of the account.
import { ChatError } from "../errors";
import { assertPassword, assertUsername, GUEST_DEFAULT_NAME, PASSWORD_MAX_BYTES, usernameSkeleton } from "../names";
import type { Identity } from "../protocol";
import type { Store } from "../store/store";
import { inThreadHasher, type PasswordHasher } from "./hasher";
import type { SessionData } from "./session";

/** Names no account may take, nor any name that looks like them. */
const RESERVED_SKELETONS = new Set([usernameSkeleton(GUEST_DEFAULT_NAME)]);

export class Accounts {
  private readonly store: Store;
  private readonly bcryptCost: number;
  private readonly hasher: PasswordHasher;
  private dummyHash?: Promise<string>;

  constructor(store: Store, options: { bcryptCost: number; hasher?: PasswordHasher }) {
    this.store = store;
    this.bcryptCost = options.bcryptCost;
    this.hasher = options.hasher ?? inThreadHasher;
  }

  async register(username: string, password: string): Promise<Identity> {
    assertUsername(username);
    assertPassword(password);
    if (RESERVED_SKELETONS.has(usernameSkeleton(username))) throw nameTaken(username);
    const passwordHash = await this.hasher.hash(password, this.bcryptCost);
    // Claimed by its skeleton, atomically, so two look-alike registrations cannot both win.
    const holder = await this.store.claimUsername(usernameSkeleton(username), username);
    if (holder.toLowerCase() !== username.toLowerCase()) throw lookAlike(username, holder);
    const created = await this.store.createUser({ username, passwordHash, createdAt: new Date().toISOString() });
    if (!created) throw nameTaken(username);
    return { username, guest: false };
  }

  async login(username: string, password: string): Promise<Identity> {
    const user = await this.store.findUser(username);
    // An unknown name costs a bcrypt comparison too, so timing does not tell names apart.
    const hash = user?.passwordHash ?? (await this.hashForUnknownUsers());
    const matches = await this.hasher.compare(password, hash);
    // bcrypt reads 72 bytes: a longer password would match its own first 72 bytes.
    const tooLong = new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES;
    if (!user || !matches || tooLong) throw new ChatError("unauthorized", "Wrong username or password.");
    return { username: user.username, guest: false };
  }

  /** What a new session of this registered user carries: its name and current session version. */
  async sessionOf(identity: Identity): Promise<SessionData> {
    const user = await this.store.findUser(identity.username);
    return { username: identity.username, version: user?.sessionVersion ?? 0 };
  }

  /** Ends every session of the session's account (a copy of an old cookie logs no one in). */
  async logout(session: SessionData): Promise<void> {
    if (await this.registeredUser(session)) await this.store.bumpSessionVersion(session.username!);
  }

  /**
   * Who a session is: its account while that exists and the session is not logged
   * out, else a guest under the name asked for now (a handshake's `auth.name`), the
   * session's guest name, or the default.
   */
  async identify(session: SessionData, guestName?: string): Promise<Identity> {
    const user = await this.registeredUser(session);
    if (user) return user;
    if (guestName !== undefined) return this.guest(guestName);
    // A name kept in the session that an account has taken since falls back to the default.
    return this.guest(session.guestName).catch(() => this.guest());
  }

  /** The registered user under this name (any case), as registered; undefined for none. */
  async account(username: string): Promise<Identity | undefined> {
    const user = await this.store.findUser(username);
    return user && { username: user.username, guest: false };
  }

  /** A guest's identity for a chosen name; no name means the default guest name. */
  async guest(name?: string): Promise<Identity> {
    const chosen = name?.trim();
    if (!chosen || chosen.toLowerCase() === GUEST_DEFAULT_NAME) return { username: GUEST_DEFAULT_NAME, guest: true };
    assertUsername(chosen);
    if (await this.store.findUser(chosen)) throw nameTaken(chosen);
    const holder = await this.store.usernameHolder(usernameSkeleton(chosen));
    if (holder) throw lookAlike(chosen, holder);
    return { username: chosen, guest: true };
  }

  private async registeredUser(session: SessionData): Promise<Identity | undefined> {
    if (!session.username) return undefined;
    const user = await this.store.findUser(session.username);
    if (!user || (user.sessionVersion ?? 0) !== (session.version ?? 0)) return undefined;
    return { username: user.username, guest: false };
  }

  private hashForUnknownUsers(): Promise<string> {
    this.dummyHash ??= this.hasher.hash("not a real password", this.bcryptCost);
    return this.dummyHash;
  }
}

function nameTaken(name: string): ChatError {
  return new ChatError("name_taken", `The name "${name}" belongs to a registered user; pick another.`);
}

function lookAlike(name: string, holder: string): ChatError {
  return new ChatError("name_taken", `The name "${name}" looks like the registered name "${holder}"; pick another.`);
}
