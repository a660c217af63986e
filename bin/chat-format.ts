// How the terminal client shows messages and notices, one line each, safe to
// print: text from others can never drive the terminal (no escape sequences).
import type { Message, RoomNoticePush } from "../lib/protocol";

// C0 and C1 control characters, DEL and the bidi overrides, except tab and newline.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, "\ufffd");
}

/**
 * `[name] text`; further lines of a multi-line message are indented under the first.
 * An edited message ends in "(edited)"; a deleted one reads "[deleted]".
 */
export function formatMessage(message: Pick<Message, "username" | "content" | "editedAt" | "deleted">): string {
  const prefix = `[${terminalSafe(message.username)}] `;
  if (message.deleted) return `${prefix}[deleted]`;
  const lines = terminalSafe(message.content.replace(/\r\n?/g, "\n")).split("\n");
  return prefix + lines.join("\n" + " ".repeat(prefix.length)) + (message.editedAt ? " (edited)" : "");
}

export function formatNotice(notice: Pick<RoomNoticePush, "kind" | "username">): string {
  const name = terminalSafe(notice.username);
  return notice.kind === "join" ? `[JOIN] ${name} joined the chat` : `[LEAVE] ${name} left the chat`;
}

/** A line from the client itself (status, errors), set apart from chat lines. */
export function status(text: string): string {
  return `[livechat] ${text}`;
}
