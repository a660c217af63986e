// Who is typing in each room, never stored: a person is typing from their `typing`
// until TYPING_TTL_MS after the last one, or until their message arrives. Every node
// keeps the whole board (its own people's typing and what the other nodes tell it), so
// each node can push the room's full list to its own connections.
import { roomTopic } from "../protocol";
import type { Publish } from "../pushes/push-bus";

/** A person stops showing as typing this long after their last `typing`. */
export const TYPING_TTL_MS = 5_000;

/** A change to the board that the other nodes must hear of. */
export interface TypingChange {
  room: string;
  username: string;
  typing: boolean;
}

export interface TypingBoardOptions {
  /** Where the lists go (`room:typing` to the room's topic). */
  publish: Publish;
  /** Tells the other nodes of a change made here (nothing with one node). */
  share?: (change: TypingChange) => void;
  ttlMs?: number;
}

interface Typist {
  username: string;
  timer: NodeJS.Timeout;
}

export class TypingBoard {
  private readonly options: TypingBoardOptions;
  private readonly ttlMs: number;
  /** room -> lower-cased name -> the typist, in the order they began. Maps: names are user input. */
  private readonly rooms = new Map<string, Map<string, Typist>>();

  constructor(options: TypingBoardOptions) {
    this.options = options;
    this.ttlMs = options.ttlMs ?? TYPING_TTL_MS;
  }

  /** The person typed in the room (here, or on another node when `remote`). */
  typing(room: string, username: string, remote = false): void {
    if (!remote) this.options.share?.({ room, username, typing: true });
    let typists = this.rooms.get(room);
    if (!typists) {
      typists = new Map();
      this.rooms.set(room, typists);
    }
    const key = username.toLowerCase();
    const known = typists.get(key);
    if (known) clearTimeout(known.timer);
    const timer = setTimeout(() => this.remove(room, key), this.ttlMs);
    timer.unref();
    typists.set(key, { username, timer });
    if (!known) this.push(room);
  }

  /** The person's message arrived (or they left): they are no longer typing. */
  stopped(room: string, username: string, remote = false): void {
    const key = username.toLowerCase();
    if (!this.rooms.get(room)?.has(key)) return;
    if (!remote) this.options.share?.({ room, username, typing: false });
    this.remove(room, key);
  }

  /** A change another node made. */
  apply(change: TypingChange): void {
    if (change.typing) this.typing(change.room, change.username, true);
    else this.stopped(change.room, change.username, true);
  }

  /** The people typing in the room now. */
  users(room: string): string[] {
    return [...(this.rooms.get(room)?.values() ?? [])].map((typist) => typist.username);
  }

  close(): void {
    for (const typists of this.rooms.values()) for (const { timer } of typists.values()) clearTimeout(timer);
    this.rooms.clear();
  }

  private remove(room: string, key: string): void {
    const typists = this.rooms.get(room);
    const typist = typists?.get(key);
    if (!typists || !typist) return;
    clearTimeout(typist.timer);
    typists.delete(key);
    if (typists.size === 0) this.rooms.delete(room);
    this.push(room);
  }

  private push(room: string): void {
    this.options.publish(roomTopic(room), "room:typing", { room, users: this.users(room) });
  }
}
