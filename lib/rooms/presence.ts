// Who is in a room: one entry per connection (a tab), shown once per person.
// Owned by the registry rather than the worker, like an ETS table with an heir,
// so a crashed worker's replacement still knows who is there. `Presence` knows
// this node's connections; a shared implementation (lib/store/redis-presence.ts)
// adds the people connected to other nodes.
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
  /** Every connection of this node leaves at once, without notices: the room was deleted. */
  clear(): Promise<void>;
}

export function personKey(identity: Identity): string {
  return `${identity.guest ? "guest" : "user"}:${identity.username.toLowerCase()}`;
}

interface Person {
  member: Member;
  connections: number;
}

export class Presence implements RoomPresence {
  private readonly connections = new Map<string, Identity>();
  private readonly people = new Map<string, Person>();

  has(connectionId: string): boolean {
    return this.connections.has(connectionId);
  }

  connectionIds(): Iterable<string> {
    return this.connections.keys();
  }

  /** Adds a connection; true when it is this person's first connection in the room. */
  add(connectionId: string, identity: Identity): boolean {
    if (this.connections.has(connectionId)) return false;
    this.connections.set(connectionId, identity);
    const key = personKey(identity);
    const person = this.people.get(key);
    if (person) {
      person.connections += 1;
      return false;
    }
    this.people.set(key, { member: { username: identity.username, guest: identity.guest }, connections: 1 });
    return true;
  }

  /** Removes a connection; returns its identity when that was the person's last one. */
  remove(connectionId: string): Identity | undefined {
    const identity = this.connections.get(connectionId);
    if (!identity) return undefined;
    this.connections.delete(connectionId);
    const key = personKey(identity);
    const person = this.people.get(key);
    if (person && --person.connections > 0) return undefined;
    this.people.delete(key);
    return identity;
  }

  async join(connectionId: string, identity: Identity): Promise<{ first: boolean; members: Member[] }> {
    const first = this.add(connectionId, identity);
    return { first, members: this.members() };
  }

  async leave(connectionId: string): Promise<{ gone: Identity | undefined; members: Member[] }> {
    const gone = this.remove(connectionId);
    return { gone, members: this.members() };
  }

  async clear(): Promise<void> {
    this.connections.clear();
    this.people.clear();
  }

  get isEmpty(): boolean {
    return this.connections.size === 0;
  }

  /** People in the room, each once, by name. */
  members(): Member[] {
    return [...this.people.values()]
      .map((person) => person.member)
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  get count(): number {
    return this.people.size;
  }
}
