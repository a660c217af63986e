import { describe, expect, it } from "vitest";
import { formatMessage, formatReactions, formatNotice } from "./chat-format";

describe("what the terminal client prints", () => {
  it("shows a message as [name] text and indents its further lines under the first", () => {
    expect(formatMessage({ username: "ann", content: "one\r\ntwo" })).toBe("[ann] one\n      two");
  });

  it("never lets a message drive the terminal: control characters and escape sequences are replaced", () => {
    const printed = formatMessage({ username: "ann", content: "\u001b[2J\u001b]0;owned\u0007\u009b31m\u202eevil\u0000" });
    expect(printed).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(printed).toBe("[ann] \ufffd[2J\ufffd]0;owned\ufffd\ufffd31m\ufffdevil\ufffd");
  });

  it("marks an edited message (edited) and shows a deleted one as [deleted]", () => {
    expect(formatMessage({ username: "ann", content: "fixed", editedAt: "2026-11-23T10:00:00.000Z" })).toBe("[ann] fixed (edited)");
    expect(formatMessage({ username: "ann", content: "", deleted: true })).toBe("[ann] [deleted]");
  });

  it("shows a reply as [name ↪ name2] text, with the seq in front when asked, and the reactions on a line below", () => {
    const reply = { seq: 42, username: "ann", content: "me too", replyTo: 41 };
    expect(formatMessage(reply, { repliedTo: "bob" })).toBe("[ann ↪ bob] me too");
    expect(formatMessage(reply, { seq: true, repliedTo: "bob" })).toBe("#42 [ann ↪ bob] me too");
    expect(formatMessage(reply)).toBe("[ann ↪ #41] me too");
    expect(formatReactions([{ emoji: "👍", users: ["kim", "anon"] }, { emoji: "🎉", users: ["bob"] }])).toBe("    👍 2 (kim, anon)  🎉 1 (bob)");
  });

  // Guards issue 16: a right-to-left override disguised where a link goes.
  it("shows every bidi control as a visible replacement, so a link reads in the order it goes", () => {
    expect(formatMessage({ username: "ann", content: "see https://example.com/files/\u202egnp.exe for the picture" })).toBe(
      "[ann] see https://example.com/files/\ufffdgnp.exe for the picture",
    );
    const printed = formatMessage({ username: "ann", content: "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069" });
    expect(printed).toBe("[ann] " + "\ufffd".repeat(11));
  });

  it("keeps right-to-left letters as they are", () => {
    expect(formatMessage({ username: "ann", content: "שלום مرحبا" })).toBe("[ann] שלום مرحبا");
  });

  it("announces people joining and leaving", () => {
    expect(formatNotice({ kind: "join", username: "bob" })).toBe("[JOIN] bob joined the chat");
    expect(formatNotice({ kind: "leave", username: "bob" })).toBe("[LEAVE] bob left the chat");
  });
});
