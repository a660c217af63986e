// Invite links to private rooms: a room name and an expiry, signed with the server's
// secret (HMAC-SHA256), so a link cannot be made for another room or kept past its
// time. Whoever holds an unexpired link may enter and becomes a member.
import { createHmac, timingSafeEqual } from "node:crypto";
import { ChatError } from "../errors";

/** How long a link lasts unless asked: a week. */
export const INVITE_DEFAULT_S = 7 * 24 * 3600;

export function signInvite(secret: string, room: string, expiresAt: Date): string {
  const body = Buffer.from(JSON.stringify({ r: room, e: Math.floor(expiresAt.getTime() / 1000) })).toString("base64url");
  return `${body}.${mac(secret, body)}`;
}

/** Throws `forbidden` unless the token is this room's, signed by `secret` and unexpired. */
export function checkInvite(secret: string, token: string, room: string, now = Date.now()): void {
  const [body, signature] = token.split(".");
  const expected = body === undefined ? "" : mac(secret, body);
  const given = Buffer.from(signature ?? "");
  if (body === undefined || given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
    throw new ChatError("forbidden", "This invite link is not valid; ask for a new one.");
  }
  let claims: { r?: unknown; e?: unknown };
  try {
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { r?: unknown; e?: unknown };
  } catch {
    throw new ChatError("forbidden", "This invite link is not valid; ask for a new one.");
  }
  if (claims.r !== room) throw new ChatError("forbidden", "This invite link is for another room.");
  if (typeof claims.e !== "number" || claims.e * 1000 <= now) throw new ChatError("forbidden", "This invite link has expired; ask for a new one.");
}

function mac(secret: string, body: string): string {
  return createHmac("sha256", secret).update(`livechat-invite\n${body}`).digest("base64url");
}
