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

describe("a changed message (room:message)", () => {
  const at = (seq: number, content = `m${seq}`) => ({ id: `id-${seq}`, room: "lobby", seq, username: "gage", guest: false, content, sentAt: "2026-11-23T10:00:00.000Z" });

  it("replaces the message wherever it is shown, in scrolled-back history too", () => {
    let state = historyReducer(emptyHistory, { type: "window", messages: [at(3), at(4)], force: true });
    state = historyReducer(state, { type: "older", messages: [at(1), at(2)], requested: 2 });
    state = historyReducer(state, { type: "changed", message: { ...at(1, ""), deleted: true } });
    state = historyReducer(state, { type: "changed", message: { ...at(4, "fixed"), editedAt: "2026-11-23T10:05:00.000Z" } });
    expect(visibleMessages(state).map((m) => m.content)).toEqual(["", "m2", "m3", "fixed"]);
  });

  it("ignores a change to a message the page does not show", () => {
    const state = historyReducer(emptyHistory, { type: "window", messages: [at(3)], force: true });
    expect(historyReducer(state, { type: "changed", message: at(1, "elsewhere") })).toBe(state);
  });
});
