// The session cookie (iron-session seals): who a browser is, sealed so it cannot
// be forged. Several secrets are accepted so SESSION_SECRET can be rotated: the
// first seals, every one of them unseals (docs/security.md, "Rotating the secret").
import { sealData, unsealData } from "iron-session";
import { LRUCache } from "lru-cache";

export const SESSION_COOKIE = "livechat_session";
export const SESSION_TTL_S = 7 * 24 * 60 * 60;

export interface SessionData {
  /** Set for a registered user. */
  username?: string;
  /** The user's session version when this session began; a logout raises it, voiding older seals. */
  version?: number;
  /** A guest's chosen display name; absent means the default guest name. */
  guestName?: string;
  /** A guest session's id: the guest's messages are its own while this lasts (lib/people.ts). */
  guestId?: string;
}

/** The secrets a server accepts, newest first: the first one seals. */
export type SessionSecrets = readonly [string, ...string[]];

export function sealSession(data: SessionData, secrets: SessionSecrets): Promise<string> {
  return sealData(data, { password: secrets[0], ttl: SESSION_TTL_S });
}

/**
 * Seals already opened, per set of secrets. Opening one derives two keys with PBKDF2,
 * about 1.5 ms of CPU here, and every connection of a page presents its seal again: a
 * reconnect storm of pages that connected before costs a lookup each instead. Safe to
 * keep: the same seal always opens to the same data, an entry lasts no longer than the
 * seal's own expiry, and a logout voids a seal by its version, which is checked against
 * the store on every use (lib/accounts/accounts.ts), not here.
 */
const opened = new WeakMap<SessionSecrets, LRUCache<string, { data: SessionData; expiresAt: number }>>();
const OPENED_SEALS = 10_000;

/** Reads a sealed session value; a forged, tampered or expired seal reads as no session. */
export async function unsealSession(seal: string | undefined, secrets: SessionSecrets): Promise<SessionData> {
  if (!seal) return {};
  let cache = opened.get(secrets);
  if (!cache) opened.set(secrets, (cache = new LRUCache({ max: OPENED_SEALS })));
  const known = cache.get(seal);
  if (known && Date.now() < known.expiresAt) return { ...known.data };
  const data = await openSeal(seal, secrets);
  if (Object.keys(data).length > 0) cache.set(seal, { data, expiresAt: sealExpiry(seal) });
  return { ...data };
}

/** When the seal expires, in ms since the epoch (iron's sixth field); 0, at once, when it cannot be read. */
function sealExpiry(seal: string): number {
  const expiration = Number(seal.split("*")[5]);
  return Number.isFinite(expiration) ? expiration : 0;
}

async function openSeal(seal: string, secrets: SessionSecrets): Promise<SessionData> {
  for (const secret of secrets) {
    const data = await unsealData<Record<string, unknown>>(seal, { password: secret, ttl: SESSION_TTL_S }).catch(
      () => ({}) as Record<string, unknown>,
    );
    if (Object.keys(data).length > 0) return onlyKnownFields(data);
  }
  return {};
}

/** The cookie's attributes: never readable by scripts, not sent on cross-site subrequests. */
export function sessionCookieOptions(secure: boolean) {
  return { httpOnly: true, sameSite: "lax", secure, path: "/" } as const;
}

function onlyKnownFields(data: Record<string, unknown>): SessionData {
  const version = data.version;
  return {
    ...(typeof data.username === "string" ? { username: data.username } : {}),
    ...(Number.isSafeInteger(version) && (version as number) >= 0 ? { version: version as number } : {}),
    ...(typeof data.guestName === "string" ? { guestName: data.guestName } : {}),
    ...(typeof data.guestId === "string" ? { guestId: data.guestId } : {}),
  };
}
