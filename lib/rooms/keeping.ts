// How a room's keepers (owner, moderators, the admin token) change it: settings and
// moderation as pure rules over the room's access. Each answers what to store, what
// to write to the audit log and the sentence the room is shown; the Room worker does
// the storing and pushing, in its mailbox's order.
import { ChatError } from "../errors";
import type { Author } from "../people";
import type { Identity, ModerationAction, Visibility } from "../protocol";
import type { AuditEntry, RoomEntry, RoomList, RoomSettingsRecord } from "../store/store";
import { accountKey, addressKey, entryFor, guestSessionKeys, isKeeper, isOwnerOrAdmin, personKeys, standingIn, type Actor, type RoomAccess } from "./roles";

export interface SettingsChange {
  topic?: string;
  visibility?: Visibility;
  readOnly?: boolean;
  slowModeS?: number;
}

export interface ModerationRequest {
  actor: Actor;
  action: ModerationAction;
  username: string;
  reason?: string;
  durationS?: number;
  /** A ban that also holds for the addresses the person is connected from now. */
  address?: boolean;
  /**
   * The person's connections to the room on other nodes: a guest's sessions and anyone's
   * addresses are known only on the node it is connected to, which the moderator's node asks.
   */
  elsewhere?: Sighting[];
}

/** One connection of a person in a room, as the node holding it knows it. */
export interface Sighting {
  identity: Author;
  address: string | undefined;
}

/** Whom a moderation names: an account, or a guest, by name. */
export interface Named {
  username: string;
  guest: boolean;
}

/** The connections among `people` of the person `named`; everyone's without a name. */
export function sightingsOf(people: Iterable<Sighting>, named?: Named): Sighting[] {
  return [...people].filter(({ identity }) => named === undefined || isNamed(identity, named.username, named.guest));
}

/**
 * Whether a removal (`room:removed`) names this identity: a person is named as a
 * moderation names them, an account or a guest by name, so every connection and stream
 * of theirs leaves.
 */
export function isNamed(identity: Identity, username: string, guest: boolean): boolean {
  return identity.guest === guest && identity.username.toLowerCase() === username.toLowerCase();
}

/** Who a moderation names: a registered account, or a guest (known here by name, sessions and addresses). */
export interface Target {
  identity: Identity;
  /** Addresses the person is connected from on this node now. */
  addresses: string[];
  /** A guest's session keys on this node now (lib/people.ts). */
  sessions: string[];
}

/** What one change does: the store writes, the audit lines and the room's notice. */
export interface Outcome {
  settings?: RoomSettingsRecord;
  put?: Array<{ list: RoomList; entry: RoomEntry }>;
  remove?: Array<{ list: RoomList; key: string }>;
  audit: AuditEntry[];
  notice: string;
  /** The person leaves the room on every connection. */
  removed?: { identity: Identity; reason: string };
}

export function nameOf(actor: Actor): string {
  return actor === "admin" ? "admin" : actor.username;
}

/** A settings change by `actor`; throws `forbidden` for one they may not make. */
export function configure(access: RoomAccess, actor: Actor, change: SettingsChange, now: Date): Outcome {
  const standing = standingIn(access, actor);
  if (!isKeeper(standing)) throw new ChatError("forbidden", "Only the room's owner and moderators can change its settings.");
  if (change.visibility !== undefined && change.visibility !== access.settings.visibility && !isOwnerOrAdmin(standing)) {
    throw new ChatError("forbidden", "Only the room's owner can change who may see it.");
  }
  const by = nameOf(actor);
  const at = now.toISOString();
  const settings = { ...access.settings };
  const said: string[] = [];
  const audit: AuditEntry[] = [];
  const note = (detail: string, sentence: string) => {
    audit.push({ at, by, action: "configure", detail });
    said.push(sentence);
  };
  if (change.topic !== undefined && change.topic !== settings.topic) {
    settings.topic = change.topic;
    note(`topic ${change.topic}`, change.topic === "" ? "cleared the topic" : `set the topic to "${change.topic}"`);
  }
  if (change.visibility !== undefined && change.visibility !== settings.visibility) {
    settings.visibility = change.visibility;
    note(`visibility ${change.visibility}`, `made the room ${change.visibility}`);
  }
  if (change.readOnly !== undefined && change.readOnly !== settings.readOnly) {
    settings.readOnly = change.readOnly;
    note(`readOnly ${change.readOnly}`, change.readOnly ? "made the room read-only" : "opened the room to everyone's messages");
  }
  if (change.slowModeS !== undefined && change.slowModeS !== settings.slowModeS) {
    settings.slowModeS = change.slowModeS;
    note(`slowModeS ${change.slowModeS}`, change.slowModeS === 0 ? "turned slow mode off" : `set slow mode to one message every ${change.slowModeS} s`);
  }
  return { settings, audit, notice: said.length === 0 ? "" : `${by} ${said.join(", ")}` };
}

/** A moderation by `request.actor` of `target`; throws `forbidden` for one they may not make. */
export function moderate(access: RoomAccess, request: ModerationRequest, target: Target, now: Date): Outcome {
  const { actor, action, reason, durationS } = request;
  const standing = standingIn(access, actor);
  if (!isKeeper(standing)) throw new ChatError("forbidden", "Only the room's owner and moderators can moderate it.");
  const { identity } = target;
  const targetRole = standingIn(access, identity);
  const name = identity.username;
  if ((action === "promote" || action === "demote") && !isOwnerOrAdmin(standing)) {
    throw new ChatError("forbidden", "Only the room's owner can appoint or dismiss moderators.");
  }
  if (targetRole === "owner") throw new ChatError("forbidden", "Nobody can moderate the room's owner.");
  if (targetRole === "moderator" && standing === "moderator") {
    throw new ChatError("forbidden", "A moderator cannot moderate another moderator; ask the owner.");
  }
  const by = nameOf(actor);
  const at = now.toISOString();
  const line: AuditEntry = { at, by, action, username: name, ...(reason ? { reason } : {}) };
  const because = reason ? ` (${reason})` : "";
  const keys = keysOf(target, request.address === true);
  const entry = (key: string): RoomEntry => ({ key, username: name, by, at, ...(reason ? { reason } : {}) });
  switch (action) {
    case "kick":
      return { audit: [line], notice: `${by} removed ${name} from the room${because}`, removed: { identity, reason: reason ?? "" } };
    case "ban": {
      if (keys.length === 0) throw new ChatError("forbidden", `${name} is not in the room: a guest can only be banned while connected.`);
      const until = durationS !== undefined ? new Date(now.getTime() + durationS * 1000).toISOString() : undefined;
      const lasting = until ? ` for ${durationS} s` : "";
      return {
        put: keys.map((key) => ({ list: "bans", entry: { ...entry(key), ...(until ? { until } : {}) } })),
        audit: [{ ...line, ...(durationS !== undefined ? { durationS } : {}) }],
        notice: `${by} banned ${name}${lasting}${because}`,
        removed: { identity, reason: reason ?? "" },
      };
    }
    case "unban":
      return { remove: entriesNamed(access.bans, name).map((key) => ({ list: "bans", key })), audit: [line], notice: `${by} lifted the ban on ${name}` };
    case "mute":
      if (keys.length === 0) throw new ChatError("forbidden", `${name} is not in the room: a guest can only be muted while connected.`);
      return { put: keys.map((key) => ({ list: "mutes", entry: entry(key) })), audit: [line], notice: `${by} muted ${name}${because}` };
    case "unmute":
      return { remove: entriesNamed(access.mutes, name).map((key) => ({ list: "mutes", key })), audit: [line], notice: `${by} unmuted ${name}` };
    case "promote":
    case "demote": {
      if (identity.guest) throw new ChatError("forbidden", "Only registered users can be moderators.");
      const others = access.settings.moderators.filter((moderator) => moderator.toLowerCase() !== name.toLowerCase());
      const moderators = action === "promote" ? [...others, name] : others;
      const verb = action === "promote" ? "made" : "no longer has";
      return {
        settings: { ...access.settings, moderators },
        audit: [line],
        notice: action === "promote" ? `${by} ${verb} ${name} a moderator` : `${name} ${verb} a moderator's role`,
      };
    }
    case "invite":
      if (identity.guest) throw new ChatError("forbidden", "Only registered users can be invited by name; send a guest an invite link.");
      return { put: [{ list: "members", entry: entry(accountKey(name)) }], audit: [line], notice: `${by} invited ${name}` };
    default: {
      const unknown: never = action;
      throw new Error(`Unknown moderation ${String(unknown)}`);
    }
  }
}

/**
 * The list keys a ban or mute of the target is kept under: an account's name, or a guest's
 * sessions; its addresses too when asked, and always for a guest without a session (a
 * client without cookies), which has nothing else to be known by.
 */
function keysOf(target: Target, withAddresses: boolean): string[] {
  const { identity } = target;
  const keys = identity.guest ? [...target.sessions] : [accountKey(identity.username)];
  if (withAddresses || (identity.guest && keys.length === 0)) for (const address of new Set(target.addresses)) keys.push(addressKey(address));
  return keys;
}

function entriesNamed(entries: readonly RoomEntry[], name: string): string[] {
  const lower = name.toLowerCase();
  return entries.filter((entry) => entry.username.toLowerCase() === lower).map((entry) => entry.key);
}

/**
 * Someone holding a valid invite link enters: a private room keeps them as a member
 * (an account by name, a guest by its address). A ban still holds; so does nothing
 * else need doing for a room that is not private or a person already let in.
 */
export function admitByInvite(access: RoomAccess, identity: Author, address: string | undefined, now: Date): Outcome {
  const nothing: Outcome = { audit: [], notice: "" };
  if (access.settings.visibility !== "private" || isKeeper(standingIn(access, identity))) return nothing;
  const keys = personKeys(identity, address);
  if (entryFor(access.bans, keys) || entryFor(access.members, keys)) return nothing;
  const key = memberKey(identity, address);
  if (key === undefined) return nothing;
  const at = now.toISOString();
  return {
    put: [{ list: "members", entry: { key, username: identity.username, by: "invite link", at } }],
    audit: [{ at, by: identity.username, action: "join by invite" }],
    notice: "",
  };
}

/**
 * A room that becomes private keeps the people in it: each becomes a member (an
 * account by name, a guest by the address it is connected from).
 */
export function keepPresent(people: ReadonlyArray<{ identity: Author; address: string | undefined }>, by: string, now: Date): Outcome["put"] {
  const at = now.toISOString();
  const put = new Map<string, RoomEntry>();
  for (const { identity, address } of people) {
    const key = memberKey(identity, address);
    if (key !== undefined) put.set(key, { key, username: identity.username, by, at });
  }
  return [...put.values()].map((entry) => ({ list: "members" as const, entry }));
}

/** A member's key: an account's name, a guest's session, else the guest's address. */
function memberKey(identity: Author, address: string | undefined): string | undefined {
  if (!identity.guest) return accountKey(identity.username);
  const [session] = guestSessionKeys([identity.key]);
  return session ?? (address === undefined ? undefined : addressKey(address));
}
