// The session cookie (iron-session): who a browser is, sealed so it cannot be forged.
import { sealData, unsealData, type SessionOptions } from "iron-session";

export const SESSION_COOKIE = "livechat_session";
const WEEK_S = 7 * 24 * 60 * 60;

export interface SessionData {
  /** Set for a registered user. */
  username?: string;
  /** A guest's chosen display name; absent means the default guest name. */
  guestName?: string;
}

export function sessionOptions(secret: string, secure: boolean): SessionOptions {
  return {
    password: secret,
    cookieName: SESSION_COOKIE,
    ttl: WEEK_S,
    cookieOptions: { httpOnly: true, sameSite: "lax", secure, path: "/" },
  };
}

/** Seals a session as the cookie holds it: a token for clients without cookies (gRPC). */
export function sealSession(data: SessionData, secret: string): Promise<string> {
  return sealData(data, { password: secret, ttl: WEEK_S });
}

/** Reads a sealed session value; a forged, tampered or expired seal reads as no session. */
export async function unsealSession(seal: string | undefined, secret: string): Promise<SessionData> {
  if (!seal) return {};
  try {
    const data = await unsealData<SessionData>(seal, { password: secret, ttl: WEEK_S });
    return {
      ...(typeof data.username === "string" ? { username: data.username } : {}),
      ...(typeof data.guestName === "string" ? { guestName: data.guestName } : {}),
    };
  } catch {
    return {};
  }
}
