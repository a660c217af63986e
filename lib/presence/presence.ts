// Who is in a room: one entry per connection (a tab), shown once per person.
// Owned by the registry rather than the worker, like an ETS table with an heir,
// so a crashed worker's replacement still knows who is there. Two implementations:
// memory.ts knows this node's connections; redis.ts adds the people connected to
// other nodes. presence.contract.ts holds both to one behaviour.
import type { Identity, Member } from "../protocol";

/** What a Room worker needs to know about who is in its room. */
export interface RoomPresence {
  /** Whether this connection (on this node) is in the room. */
  has(connectionId: string): boolean;
  /** This node's connections in the room. */
  connectionIds(): Iterable<string>;
  /** No connection of this node is in the room. */
  readonly isEmpty: boolean;
  /** People in the room, as last known. */
  readonly count: number;
  /** Adds a connection; `first` when it is this person's first connection in the room anywhere. */
  join(connectionId: string, identity: Identity): Promise<{ first: boolean; members: Member[] }>;
  /** Removes a connection; `gone` is its identity when that was the person's last one anywhere. */
  leave(connectionId: string): Promise<{ gone: Identity | undefined; members: Member[] }>;
  /** Everyone in the room now, on every node. */
  everyone(): Promise<Member[]>;
  /** Every connection of this node leaves at once, without notices: the room was deleted. */
  clear(): Promise<void>;
}

/**
 * One person, whatever the case of their name and however many tabs they have: an
 * account by its name, a guest by its name and tag (two guests named `anon` are two).
 */
export function personKey(identity: Identity): string {
  return identity.guest ? `guest:${identity.tag ?? ""}:${identity.username}` : `user:${identity.username.toLowerCase()}`;
}

/** A person as the member list shows them: name, guest, and a guest's tag. */
export function memberOf(identity: Identity): Member {
  return identity.guest && identity.tag !== undefined
    ? { username: identity.username, guest: true, tag: identity.tag }
    : { username: identity.username, guest: identity.guest };
}
