// Read markers, unread and mention counts, and a person's rooms. An account's markers
// and rooms are in the store, shared by its devices and tabs, and every move of a
// marker is pushed to the account's other connections (`room:read` to its person
// topic). A guest's markers live with its connection (its page keeps them in the
// browser and tells a new connection); a guest's rooms live in the browser only.
import { ChatError } from "../errors";
import { mentions } from "../mentions";
import { personKey } from "../presence/presence";
import type { Identity, Message, NotifyLevel, RoomUnread } from "../protocol";
import { personTopic } from "../protocol";
import type { Publish } from "../pushes/push-bus";
import type { Store } from "../store/store";

/**
 * Unread and mention counts look at this many of a room's newest messages at most: a
 * gap larger than that counts every message beyond it as unread, and finds mentions
 * only among the newest. A page shows "99+" long before.
 */
export const UNREAD_SCAN = 100;

export interface ReadingOptions {
  store: Store;
  publish: Publish;
}

export class Reading {
  constructor(private readonly options: ReadingOptions) {}

  /**
   * Moves the person's read marker in the room to `seq`, never back and never past the
   * room's newest message; returns the marker kept. `guestReads` keeps a guest's.
   */
  async markRead(you: Identity, room: string, seq: number, guestReads?: Map<string, number>): Promise<number> {
    const { store, publish } = this.options;
    const newest = (await store.recent(room, 1)).at(-1)?.seq ?? 0;
    const bounded = Math.min(seq, newest);
    if (you.guest) {
      const kept = Math.max(guestReads?.get(room) ?? 0, bounded);
      guestReads?.set(room, kept);
      return kept;
    }
    const kept = await store.markRead(personKey(you), room, bounded);
    publish(personTopic(you.username), "room:read", { room, lastReadSeq: kept });
    return kept;
  }

  /** Each room's newest seq, the person's marker and what is unread there for them. */
  async counts(you: Identity, rooms: readonly string[], guestReads?: Map<string, number>): Promise<RoomUnread[]> {
    const markers = you.guest
      ? new Map(rooms.map((room) => [room, guestReads?.get(room) ?? 0]))
      : await this.options.store.readMarkers(personKey(you), [...rooms]);
    return Promise.all(rooms.map((room) => this.count(you, room, markers.get(room) ?? 0)));
  }

  /** The account's rooms with their counts; a guest keeps its rooms in the browser. */
  async rooms(you: Identity): Promise<RoomUnread[]> {
    const listed = await this.options.store.personRooms(personKey(this.account(you)));
    return Promise.all(listed.map(async ({ room, notify, lastReadSeq }) => ({ ...(await this.count(you, room, lastReadSeq)), notify })));
  }

  /** Adds the room to the account's rooms, or sets how it notifies. */
  async addRoom(you: Identity, room: string, notify?: NotifyLevel): Promise<void> {
    await this.options.store.savePersonRoom(personKey(this.account(you)), room, notify);
  }

  async removeRoom(you: Identity, room: string): Promise<void> {
    await this.options.store.removePersonRoom(personKey(this.account(you)), room);
  }

  /** A join adds the room to an account's rooms (a guest's page adds it in the browser). */
  async joined(you: Identity, room: string): Promise<void> {
    if (you.guest) return;
    const { store } = this.options;
    const person = personKey(you);
    // Pages rejoin on every load and reconnect: only a room new to the list costs a durable write.
    if (await store.hasPersonRoom(person, room)) return;
    await store.savePersonRoom(person, room);
  }

  private async count(you: Identity, room: string, marker: number): Promise<RoomUnread> {
    const newest = await this.options.store.recent(room, UNREAD_SCAN);
    const seq = newest.at(-1)?.seq ?? 0;
    // A room deleted and begun again may be behind an old marker.
    const lastReadSeq = Math.min(marker, seq);
    return { room, seq, lastReadSeq, ...unreadFor(you, newest, lastReadSeq) };
  }

  private account(you: Identity): Identity {
    if (you.guest) throw new ChatError("unauthorized", "Sign in to keep your rooms on the server; a guest's rooms stay in the browser.");
    return you;
  }
}

/**
 * Unread messages after `lastReadSeq` (written by others) and how many mention the
 * person, given the room's newest messages (oldest first); messages older than those
 * given count as unread, not as mentions.
 */
export function unreadFor(you: Identity, newest: readonly Message[], lastReadSeq: number): { unread: number; mentions: number } {
  const seq = newest.at(-1)?.seq ?? 0;
  const firstGiven = newest[0]?.seq ?? seq + 1;
  let unread = Math.max(0, Math.min(firstGiven, seq + 1) - 1 - lastReadSeq);
  let mentioned = 0;
  const own = you.username.toLowerCase();
  for (const message of newest) {
    if (message.seq <= lastReadSeq || message.username.toLowerCase() === own) continue;
    unread += 1;
    if (mentions(message.content, you.username)) mentioned += 1;
  }
  return { unread, mentions: mentioned };
}
