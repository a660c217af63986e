// Who may do what in a room, decided once for every transport: the room's owner (the
// registered user who first joined or posted), the moderators the owner appointed,
// members (registered users) and guests; the admin token stands above them all.
// A room's access is its settings plus its lists (bans, mutes, members of a private
// room) as its worker holds them; these functions only read it.
import { ChatError, RateLimitedError } from "../errors";
import { personKey } from "../presence/presence";
import type { Author } from "../people";
import type { Identity, Role, RoomSettings } from "../protocol";
import type { RoomEntry, RoomSettingsRecord } from "../store/store";

export const DEFAULT_SETTINGS: Readonly<RoomSettingsRecord> = Object.freeze({
  topic: "",
  visibility: "public",
  readOnly: false,
  slowModeS: 0,
  moderators: [],
  pinned: [],
});

/** What a room's worker knows of who may do what in it. */
export interface RoomAccess {
  owner: string | undefined;
  settings: RoomSettingsRecord;
  bans: RoomEntry[];
  mutes: RoomEntry[];
  members: RoomEntry[];
}

/** The caller as the rules see it: a person, or whoever holds the admin token. */
export type Actor = Identity | "admin";
/** A role, or the admin token's standing above every role. */
export type Standing = Role | "admin";

export function emptyAccess(): RoomAccess {
  return { owner: undefined, settings: { ...DEFAULT_SETTINGS, moderators: [], pinned: [] }, bans: [], mutes: [], members: [] };
}

/** The people who keep a room, as its settings name them. */
export type Keepers = Pick<RoomSettings, "owner" | "moderators">;

/** The person's role in the room; the admin token is "admin". Usernames compare case-insensitively. */
export function roleOf(room: Keepers, actor: Actor): Standing {
  if (actor === "admin") return "admin";
  if (actor.guest) return "guest";
  const name = actor.username.toLowerCase();
  if (room.owner?.toLowerCase() === name) return "owner";
  if (room.moderators.some((moderator) => moderator.toLowerCase() === name)) return "moderator";
  return "member";
}

/** The actor's standing in a room as its worker holds it. */
export function standingIn(room: RoomAccess, actor: Actor): Standing {
  return roleOf({ owner: room.owner ?? null, moderators: room.settings.moderators }, actor);
}

/** Owner, moderator or admin: may configure and moderate. */
export function isKeeper(standing: Standing): boolean {
  return standing === "owner" || standing === "moderator" || standing === "admin";
}

/** Owner or admin: may change visibility and appoint moderators. */
export function isOwnerOrAdmin(standing: Standing): boolean {
  return standing === "owner" || standing === "admin";
}

/** The settings as the wire carries them. */
export function settingsOf(room: RoomAccess): RoomSettings {
  const { topic, visibility, readOnly, slowModeS, moderators, pinned } = room.settings;
  return { topic, visibility, readOnly, slowModeS, owner: room.owner ?? null, moderators: [...moderators], pinned: [...pinned] };
}

/**
 * The keys a person's entries on a room's lists may be under: an account by its name
 * on any device; a guest by its session (the key "Who wrote it" gives it) while that
 * lasts; and anyone by the address they come from.
 */
export function personKeys(identity: Author, address: string | undefined): string[] {
  const keys = identity.guest ? guestSessionKeys([identity.key]) : [accountKey(identity.username)];
  if (address !== undefined && address !== "") keys.push(addressKey(address));
  return keys;
}

/** The guest-session keys among `keys` (a connection's own key names no one once it closes). */
export function guestSessionKeys(keys: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(keys.filter((key): key is string => key?.startsWith("guest:") === true))];
}

export function accountKey(username: string): string {
  return `user:${username.toLowerCase()}`;
}

const ADDRESS_PREFIX = "address:";

export function addressKey(address: string): string {
  return `${ADDRESS_PREFIX}${address}`;
}

/** The entry among `entries` that holds for any of `keys` now (lapsed entries hold no more). */
export function entryFor(entries: readonly RoomEntry[], keys: readonly string[], now = Date.now()): RoomEntry | undefined {
  return entries.find((entry) => keys.includes(entry.key) && (entry.until === undefined || Date.parse(entry.until) > now));
}

/**
 * Throws `forbidden` unless the room lets the actor in: a ban keeps a person out, and a
 * private room admits only its owner, moderators and members.
 */
export function admission(room: RoomAccess, actor: Actor, address: string | undefined, name: string): void {
  if (actor === "admin") return;
  const keys = personKeys(actor, address);
  const keeper = isKeeper(standingIn(room, actor));
  // An address ban aims at someone else behind the same address (NAT, shared Wi-Fi): it
  // never locks the owner or a moderator out; the owner bans a moderator by name.
  const ban = entryFor(room.bans, keeper ? keys.filter((key) => !key.startsWith(ADDRESS_PREFIX)) : keys);
  if (ban) {
    const until = ban.until ? ` until ${ban.until}` : "";
    const reason = ban.reason ? ` (${ban.reason})` : "";
    throw new ChatError("forbidden", `You are banned from room "${name}"${until}${reason}.`);
  }
  if (room.settings.visibility !== "private" || keeper) return;
  if (!entryFor(room.members, keys)) {
    throw new ChatError("forbidden", `Room "${name}" is private: only its members may enter. Ask its owner or a moderator for an invite.`);
  }
}

/**
 * Throws `forbidden` unless the person may have a voice in the room (post, react, type):
 * let in, not muted, and the room not read-only for them. Slow mode is `speaking`'s.
 */
export function mayPost(room: RoomAccess, author: Identity, address: string | undefined, name: string): void {
  admission(room, author, address, name);
  if (isKeeper(standingIn(room, author))) return;
  if (entryFor(room.mutes, personKeys(author, address))) {
    throw new ChatError("forbidden", `You are muted in room "${name}": you may read but not post.`);
  }
  if (room.settings.readOnly) {
    throw new ChatError("forbidden", `Room "${name}" is read-only: only its owner and moderators post here.`);
  }
}

/**
 * Throws unless the author may post now: `mayPost`, and slow mode's wait over
 * (`lastPosted` holds each person's last message time and is updated here).
 */
export function speaking(
  room: RoomAccess,
  author: Identity,
  address: string | undefined,
  name: string,
  lastPosted: Map<string, number>,
  now: number,
): void {
  mayPost(room, author, address, name);
  const waitS = room.settings.slowModeS;
  if (isKeeper(standingIn(room, author)) || waitS === 0) return;
  const person = personKey(author);
  const last = lastPosted.get(person);
  if (last !== undefined && now - last < waitS * 1000) {
    const left = Math.ceil((waitS * 1000 - (now - last)) / 1000);
    throw new RateLimitedError(left, `Slow mode is on in room "${name}": one message every ${waitS} s per person; wait ${left} s.`);
  }
  lastPosted.set(person, now);
}
