import { describe, expect, it } from "vitest";
import type { Message } from "@/lib/protocol";
import { canLoadOlder, emptyHistory, historyReducer, visibleMessages, type History, type HistoryAction } from "./history";

function msg(seq: number): Message {
  return { id: `id-${seq}`, room: "r", seq, username: "u", guest: true, content: `m${seq}`, sentAt: new Date(seq * 1000).toISOString() };
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));
const seqs = (state: History) => visibleMessages(state).map((m) => m.seq);
const run = (...actions: HistoryAction[]) => actions.reduce(historyReducer, emptyHistory);

describe("room history", () => {
  it("shows the pushed window, replacing it on every push", () => {
    const state = run({ type: "window", messages: range(1, 3) }, { type: "window", messages: range(2, 4) });
    expect(seqs(state)).toEqual([2, 3, 4]);
  });

  it("ignores a push older than what it shows", () => {
    const state = run({ type: "window", messages: range(1, 5) }, { type: "window", messages: range(1, 4) });
    expect(seqs(state)).toEqual([1, 2, 3, 4, 5]);
  });

  it("keeps scrolled-back pages when later pushes replace the window", () => {
    const state = run(
      { type: "window", messages: range(31, 130) },
      { type: "older", messages: range(1, 30), requested: 50 },
      { type: "window", messages: range(32, 131) },
    );
    expect(seqs(state)).toEqual(range(1, 131).map((m) => m.seq));
  });

  it("never shows a message twice", () => {
    const state = run(
      { type: "window", messages: range(10, 20) },
      { type: "older", messages: range(5, 12), requested: 50 },
      { type: "window", messages: range(10, 21) },
    );
    expect(seqs(state)).toEqual(range(5, 21).map((m) => m.seq));
  });

  it("offers older messages until a short page or seq 1", () => {
    let state = run({ type: "window", messages: range(101, 200) });
    expect(canLoadOlder(state)).toBe(true);
    state = historyReducer(state, { type: "older", messages: range(51, 100), requested: 50 });
    expect(canLoadOlder(state)).toBe(true);
    state = historyReducer(state, { type: "older", messages: range(11, 50), requested: 50 });
    expect(canLoadOlder(state)).toBe(false);
    expect(canLoadOlder(run({ type: "window", messages: range(1, 3) }))).toBe(false);
  });

  it("drops scrolled-back pages that would leave a gap after a long absence", () => {
    const state = run(
      { type: "window", messages: range(31, 130) },
      { type: "older", messages: range(1, 30), requested: 50 },
      { type: "window", messages: range(301, 400), force: true },
    );
    expect(seqs(state)).toEqual(range(301, 400).map((m) => m.seq));
    expect(canLoadOlder(state)).toBe(true);
  });
});
