// What the room page shows: older pages fetched by scroll-back plus the live
// window the server pushes. Pushes replace the window; scroll-back pages stay.
import type { Message } from "@/lib/protocol";

export interface History {
  /** Messages older than the live window, fetched with "Load older messages" (ascending seq). */
  older: Message[];
  /** The room's live window, exactly as last pushed (ascending seq). */
  window: Message[];
  /** The server has no messages older than the ones shown. */
  exhausted: boolean;
}

export type HistoryAction =
  /** `force`: a join snapshot, which may legitimately go back (a deleted and recreated room). */
  | { type: "window"; messages: Message[]; force?: boolean }
  | { type: "older"; messages: Message[]; requested: number }
  /** One message was edited or deleted (`room:message`): wherever it is shown, it is replaced. */
  | { type: "changed"; message: Message }
  | { type: "reset" };

export const emptyHistory: History = { older: [], window: [], exhausted: false };

export function historyReducer(state: History, action: HistoryAction): History {
  switch (action.type) {
    case "window":
      return replaceWindow(state, sortBySeq(action.messages), action.force ?? false);
    case "older":
      return addOlder(state, action.messages, action.requested);
    case "changed":
      return replaceMessage(state, action.message);
    case "reset":
      return emptyHistory;
    default: {
      const unknown: never = action;
      return unknown;
    }
  }
}

function replaceWindow(state: History, window: Message[], force: boolean): History {
  const newest = window.at(-1)?.seq ?? 0;
  // Pushes are full snapshots; one older than what we hold arrived late.
  if (!force && newest < newestSeq(state)) return state;
  const first = window[0]?.seq;
  if (first === undefined) return { older: [], window, exhausted: false };
  if (state.older.length === 0) return { ...state, window };
  // Keep what slid out of the window, so scrolled-back history stays contiguous.
  const departed = state.window.filter((m) => m.seq < first);
  const older = mergeBySeq(state.older, departed).filter((m) => m.seq < first);
  const newestOlder = older.at(-1)?.seq;
  if (newestOlder === undefined || newestOlder + 1 < first) {
    // A gap (we were away longer than one window): start scroll-back afresh.
    return { older: [], window, exhausted: false };
  }
  return { older, window, exhausted: state.exhausted };
}

function addOlder(state: History, page: Message[], requested: number): History {
  const limit = state.window[0]?.seq ?? Number.POSITIVE_INFINITY;
  const older = mergeBySeq(page, state.older).filter((m) => m.seq < limit);
  const oldest = older[0]?.seq ?? state.window[0]?.seq;
  return { ...state, older, exhausted: page.length < requested || oldest === 1 };
}

function replaceMessage(state: History, message: Message): History {
  const swap = (list: Message[]) => (list.some((m) => m.id === message.id) ? list.map((m) => (m.id === message.id ? message : m)) : list);
  const older = swap(state.older);
  const window = swap(state.window);
  return older === state.older && window === state.window ? state : { ...state, older, window };
}

export function visibleMessages(state: History): Message[] {
  return mergeBySeq(state.older, state.window);
}

export function oldestSeq(state: History): number | null {
  return state.older[0]?.seq ?? state.window[0]?.seq ?? null;
}

export function canLoadOlder(state: History): boolean {
  const oldest = oldestSeq(state);
  return !state.exhausted && oldest !== null && oldest > 1;
}

function newestSeq(state: History): number {
  return state.window.at(-1)?.seq ?? state.older.at(-1)?.seq ?? 0;
}

function sortBySeq(messages: Message[]): Message[] {
  return [...messages].sort((a, b) => a.seq - b.seq);
}

/** Union of two lists by seq, ascending; the later list wins on a duplicate. */
function mergeBySeq(a: Message[], b: Message[]): Message[] {
  const bySeq = new Map<number, Message>();
  for (const m of a) bySeq.set(m.seq, m);
  for (const m of b) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}
