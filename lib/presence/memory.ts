// Presence of one room on one node, in memory: the default, and the part of the
// shared presence (redis.ts) that knows this node's own connections.
import type { Identity, Member } from "../protocol";
import { memberOf, personKey, type RoomPresence } from "./presence";

interface Person {
  member: Member;
  connections: number;
}

export class MemoryPresence implements RoomPresence {
  private readonly connections = new Map<string, Identity>();
  private readonly people = new Map<string, Person>();

  has(connectionId: string): boolean {
    return this.connections.has(connectionId);
  }

  connectionIds(): Iterable<string> {
    return this.connections.keys();
  }

  // Async only to fit the interface: the tables change before the first await, so
  // concurrent calls apply in call order.
  async join(connectionId: string, identity: Identity): Promise<{ first: boolean; members: Member[] }> {
    return { first: this.add(connectionId, identity), members: this.members() };
  }

  async leave(connectionId: string): Promise<{ gone: Identity | undefined; members: Member[] }> {
    return { gone: this.remove(connectionId), members: this.members() };
  }

  async everyone(): Promise<Member[]> {
    return this.members();
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
      .sort((a, b) => a.username.localeCompare(b.username) || (a.tag ?? "").localeCompare(b.tag ?? ""));
  }

  get count(): number {
    return this.people.size;
  }

  private add(connectionId: string, identity: Identity): boolean {
    if (this.connections.has(connectionId)) return false;
    this.connections.set(connectionId, identity);
    const key = personKey(identity);
    const person = this.people.get(key);
    if (person) {
      person.connections += 1;
      return false;
    }
    this.people.set(key, { member: memberOf(identity), connections: 1 });
    return true;
  }

  private remove(connectionId: string): Identity | undefined {
    const identity = this.connections.get(connectionId);
    if (!identity) return undefined;
    this.connections.delete(connectionId);
    const key = personKey(identity);
    const person = this.people.get(key);
    if (person && --person.connections > 0) return undefined;
    this.people.delete(key);
    return identity;
  }
}
