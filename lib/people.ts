// Who wrote it: the person behind an identity. A message's author is kept as a key
// that names the person, never shown to anyone: an account (`user:<name>`), a guest's
// session (`guest:<session id>`, the id kept in the guest's sealed cookie), or, for a
// client without a cookie (the terminal client, a bot), its connection
// (`conn:<random id>`, made once per connection). A guest's `tag` is derived from its
// key, so it stays the same while the session lasts and tells two `anon`s apart
// without giving the session away.
import { createHash, randomUUID } from "node:crypto";
import type { Identity } from "./protocol";

/** An identity and the key of the person behind it (server-side only). */
export interface Person extends Identity {
  key: string;
}

/** Digits in a guest's tag: enough to tell the guests of one room apart at a glance. */
const TAG_DIGITS = 4;

/** An identity whose key may be unknown (a room's own callers, tests): see authorKeyOf. */
export type Author = Identity & { key?: string };

export function accountPerson(username: string): Person {
  return { username, guest: false, key: accountKey(username) };
}

/** The key a message's author is kept under: an account's is its name; a guest without a key owns nothing. */
export function authorKeyOf(author: Author): string | undefined {
  return author.key ?? (author.guest ? undefined : accountKey(author.username));
}

function accountKey(username: string): string {
  return `user:${username.toLowerCase()}`;
}

/** A guest under `username`; `sessionId` is the guest session's id, absent for a client without a cookie. */
export function guestPerson(username: string, sessionId?: string): Person {
  const key = sessionId !== undefined ? `guest:${sessionId}` : `conn:${randomUUID()}`;
  return { username, guest: true, tag: tagOf(key), key };
}

/** A guest without a session: the key names one connection (or, off a connection, one request). */
export function withoutSession(person: Person): boolean {
  return person.key.startsWith("conn:");
}

/** A new guest session's id, kept in the guest's cookie. */
export function newGuestSessionId(): string {
  return randomUUID();
}

/** The identity as others see it: the key left out. */
export function publicIdentity(person: Identity): Identity {
  return person.guest && person.tag !== undefined
    ? { username: person.username, guest: true, tag: person.tag }
    : { username: person.username, guest: person.guest };
}

/** What others may see of a kept key (never the key): a guest's tag, as its messages show it; "" for an account. */
export function shownTagOf(key: string): string {
  return key.startsWith("user:") ? "" : tagOf(key);
}

function tagOf(key: string): string {
  const value = createHash("sha256").update(key).digest().readUInt32BE(0) % 10 ** TAG_DIGITS;
  return String(value).padStart(TAG_DIGITS, "0");
}
