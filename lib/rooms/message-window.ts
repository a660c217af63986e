// A room's live window: its newest messages in seq order, at most `size` of them,
// and the seq of the newest message the room has stored (0 for none).
import type { Message } from "../protocol";

export class MessageWindow {
  private readonly size: number;
  private messages: Message[];
  private newest: number;

  constructor(size: number, messages: Message[] = []) {
    this.size = size;
    this.messages = messages.slice(Math.max(0, messages.length - size));
    this.newest = messages.at(-1)?.seq ?? 0;
  }

  /** The seq of the newest message, 0 for an empty room. */
  get lastSeq(): number {
    return this.newest;
  }

  get latest(): Message | undefined {
    return this.messages.at(-1);
  }

  /** A copy, oldest first: callers may keep it while the window moves on. */
  list(): Message[] {
    return [...this.messages];
  }

  /** The newest `limit` messages, oldest first, or undefined when the room has older ones the window lacks. */
  recent(limit: number): Message[] | undefined {
    const whole = (this.messages[0]?.seq ?? 1) === 1 && this.messages.length === this.newest;
    if (this.messages.length < limit && !whole) return undefined;
    return this.messages.slice(Math.max(0, this.messages.length - limit));
  }

  has(id: string): boolean {
    return this.messages.some((known) => known.id === id);
  }

  /** Adds messages newer than the window, oldest first; a gap before them starts the window afresh. */
  advance(messages: Message[]): boolean {
    const fresh = messages.filter((message) => message.seq > this.newest);
    if (fresh.length === 0) return false;
    // In place: list() hands out copies, so no one holds this array.
    if (fresh[0]!.seq === this.newest + 1) this.messages.push(...fresh);
    else this.messages = fresh;
    if (this.messages.length > this.size) this.messages.splice(0, this.messages.length - this.size);
    this.newest = this.messages.at(-1)!.seq;
    return true;
  }

  /** Takes what the store holds now; false when it is older than the window (a stale read). */
  replace(messages: Message[]): boolean {
    const newest = messages.at(-1)?.seq ?? 0;
    // A shorter history means the room was deleted and started again.
    if (newest < this.newest && messages.length >= this.messages.length) return false;
    this.messages = messages.slice(Math.max(0, messages.length - this.size));
    this.newest = newest;
    return true;
  }

  /** Puts a changed message in place of its older self; false when it is not in the window. */
  update(message: Message): boolean {
    const at = message.seq - (this.messages[0]?.seq ?? 0);
    if (at < 0 || this.messages[at]?.seq !== message.seq) return false;
    this.messages[at] = message;
    return true;
  }

  clear(): void {
    this.messages = [];
    this.newest = 0;
  }
}
