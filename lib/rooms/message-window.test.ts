// A room's live window: its newest messages, in seq order, within its size.
import { describe, expect, it } from "vitest";
import type { Message } from "../protocol";
import { MessageWindow } from "./message-window";

const message = (seq: number): Message => ({
  id: `m${seq}`,
  room: "lobby",
  seq,
  username: "gage",
  guest: false,
  content: `message ${seq}`,
  sentAt: "2026-11-23T10:00:00.000Z",
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => message(from + i));
const seqs = (window: MessageWindow) => window.list().map((m) => m.seq);

describe("MessageWindow", () => {
  it("keeps only the newest messages it is given at start", () => {
    const window = new MessageWindow(3, range(1, 5));
    expect(seqs(window)).toEqual([3, 4, 5]);
    expect(window.lastSeq).toBe(5);
  });

  it("moves on with each next message, dropping the oldest beyond its size", () => {
    const window = new MessageWindow(3, range(1, 3));
    expect(window.advance([message(4)])).toBe(true);
    expect(seqs(window)).toEqual([2, 3, 4]);
  });

  it("ignores messages it already holds", () => {
    const window = new MessageWindow(3, range(1, 3));
    expect(window.advance([message(2), message(3)])).toBe(false);
    expect(window.advance([message(3), message(4)])).toBe(true);
    expect(seqs(window)).toEqual([2, 3, 4]);
  });

  it("starts afresh from messages that leave a gap after it", () => {
    const window = new MessageWindow(5, range(1, 3));
    window.advance(range(8, 9));
    expect(seqs(window)).toEqual([8, 9]);
    expect(window.lastSeq).toBe(9);
  });

  it("hands out copies that do not move with it", () => {
    const window = new MessageWindow(3, range(1, 2));
    const before = window.list();
    window.advance([message(3)]);
    expect(before.map((m) => m.seq)).toEqual([1, 2]);
  });

  it("refuses a stale read of the store, but takes a shorter history (the room was deleted and begun again)", () => {
    const window = new MessageWindow(3, range(1, 5));
    expect(window.replace(range(2, 4))).toBe(false);
    expect(seqs(window)).toEqual([3, 4, 5]);
    expect(window.replace([message(1)])).toBe(true);
    expect(seqs(window)).toEqual([1]);
    expect(window.lastSeq).toBe(1);
  });

  it("is empty after clear", () => {
    const window = new MessageWindow(3, range(1, 3));
    window.clear();
    expect(window.list()).toEqual([]);
    expect(window.lastSeq).toBe(0);
    expect(window.has("m1")).toBe(false);
  });

  it("answers the newest messages only when it holds them all", () => {
    const young = new MessageWindow(5, range(1, 3));
    expect(young.recent(10)?.map((m) => m.seq)).toEqual([1, 2, 3]);
    const full = new MessageWindow(3, range(1, 5));
    expect(full.recent(2)?.map((m) => m.seq)).toEqual([4, 5]);
    expect(full.recent(4)).toBeUndefined();
    const afterGap = new MessageWindow(5, range(1, 2));
    afterGap.advance(range(8, 9));
    expect(afterGap.recent(3)).toBeUndefined();
    expect(new MessageWindow(5).recent(3)).toEqual([]);
  });
});
