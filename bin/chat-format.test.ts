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
