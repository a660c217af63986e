// Accounts and guest names: who may call themselves what. Passwords are hashed
// with bcrypt (by a PasswordHasher, off the event loop in the server); a registered
// name is never available to a guest.
import { ChatError } from "../errors";
import { assertPassword, assertUsername, GUEST_DEFAULT_NAME, PASSWORD_MAX_BYTES } from "../names";
import type { Identity } from "../protocol";
import type { Store } from "../store/store";
import { inThreadHasher, type PasswordHasher } from "./hasher";
import type { SessionData } from "./session";

/** Names no account may take, compared case-insensitively. */
const RESERVED_NAMES = new Set([GUEST_DEFAULT_NAME]);

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
    if (RESERVED_NAMES.has(username.toLowerCase())) throw nameTaken(username);
    const passwordHash = await this.hasher.hash(password, this.bcryptCost);
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

  /**
   * Who a session is: its account while that exists, else a guest under the name
   * asked for now (a handshake's `auth.name`), the session's guest name, or the default.
   */
  async identify(session: SessionData, guestName?: string): Promise<Identity> {
    if (session.username) {
      const user = await this.store.findUser(session.username);
      if (user) return { username: user.username, guest: false };
    }
    if (guestName !== undefined) return this.guest(guestName);
    // A name kept in the session that an account has taken since falls back to the default.
    return this.guest(session.guestName).catch(() => this.guest());
  }

  /** A guest's identity for a chosen name; no name means the default guest name. */
  async guest(name?: string): Promise<Identity> {
    const chosen = name?.trim();
    if (!chosen || chosen.toLowerCase() === GUEST_DEFAULT_NAME) return { username: GUEST_DEFAULT_NAME, guest: true };
    assertUsername(chosen);
    if (await this.store.findUser(chosen)) throw nameTaken(chosen);
    return { username: chosen, guest: true };
  }

  private hashForUnknownUsers(): Promise<string> {
    this.dummyHash ??= this.hasher.hash("not a real password", this.bcryptCost);
    return this.dummyHash;
  }
}

function nameTaken(name: string): ChatError {
  return new ChatError("name_taken", `The name "${name}" belongs to a registered user; pick another.`);
}
