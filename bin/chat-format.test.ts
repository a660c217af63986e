import { describe, expect, it } from "vitest";
import { formatMessage, formatNotice } from "./chat-format";

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

  it("announces people joining and leaving", () => {
    expect(formatNotice({ kind: "join", username: "bob" })).toBe("[JOIN] bob joined the chat");
    expect(formatNotice({ kind: "leave", username: "bob" })).toBe("[LEAVE] bob left the chat");
  });
});
