// The outbox kept in the browser (localStorage), per room, so a reload or a closed tab
// loses nothing: the next page of the room sends what is left, with the same clientIds
// (the server stores each clientId once). Several tabs of a room share the entry: each
// writes its own messages and keeps the others', dropping only what it saw delivered.
const PREFIX = "livechat:outbox:";

export interface StoredItem {
  clientId: string;
  content: string;
  /** The seq of the message a reply answers. */
  replyTo?: number;
}

export function readOutbox(room: string): StoredItem[] {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(PREFIX + room) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (item: unknown): item is StoredItem =>
        typeof item === "object" && item !== null && typeof (item as StoredItem).clientId === "string" && typeof (item as StoredItem).content === "string",
    );
  } catch {
    return [];
  }
}

/** Writes this page's items, keeping other pages' that this page has not seen finish. */
export function writeOutbox(room: string, mine: readonly StoredItem[], finished: ReadonlySet<string>): void {
  const own = new Set(mine.map((item) => item.clientId));
  const others = readOutbox(room).filter((item) => !own.has(item.clientId) && !finished.has(item.clientId));
  const items = [...others, ...mine.map(({ clientId, content, replyTo }) => ({ clientId, content, ...(replyTo !== undefined ? { replyTo } : {}) }))];
  try {
    if (items.length === 0) window.localStorage.removeItem(PREFIX + room);
    else window.localStorage.setItem(PREFIX + room, JSON.stringify(items));
  } catch {
    // Storage full or refused: the outbox lives in this page only.
  }
}
