// How the terminal client shows messages and notices, one line each, safe to
// print: text from others can never drive the terminal (no escape sequences).
import type { Message, Reaction, RoomNoticePush } from "../lib/protocol";

// C0 and C1 control characters and DEL, except tab and newline; and every bidi control
// (marks, embeddings, overrides, isolates), which a terminal that reorders right-to-left
// text would obey: shown as U+FFFD, they cannot disguise a link ("files/\u202Egnp.exe").
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, "\ufffd");
}

export interface MessageFormat {
  /** Put the message's seq in front (`#12 [ann] hi`), so a person can name it in /reply, /edit, /delete, /react. */
  seq?: boolean;
  /** A reply's original author (`[ann ↪ bob] text`); without it the original's seq stands in. */
  repliedTo?: string;
}

/**
 * `[name] text`, or `[name ↪ name2] text` for a reply; further lines of a multi-line
 * message are indented under the first. An edited message ends in "(edited)"; a
 * deleted one reads "[deleted]".
 */
export function formatMessage(
  message: Pick<Message, "username" | "content"> & Partial<Pick<Message, "seq" | "editedAt" | "deleted" | "replyTo">>,
  format: MessageFormat = {},
): string {
  const to = message.replyTo === undefined ? "" : ` ↪ ${format.repliedTo !== undefined ? terminalSafe(format.repliedTo) : `#${message.replyTo}`}`;
  const prefix = `${format.seq && message.seq !== undefined ? `#${message.seq} ` : ""}[${terminalSafe(message.username)}${to}] `;
  if (message.deleted) return `${prefix}[deleted]`;
  const lines = terminalSafe(message.content.replace(/\r\n?/g, "\n")).split("\n");
  return prefix + lines.join("\n" + " ".repeat(prefix.length)) + (message.editedAt ? " (edited)" : "");
}

/** The line under a message with its reactions: each emoji, how many, and who. */
export function formatReactions(reactions: readonly Reaction[]): string {
  return "    " + reactions.map(({ emoji, users }) => `${terminalSafe(emoji)} ${users.length} (${users.map(terminalSafe).join(", ")})`).join("  ");
}

/** A search result: `#seq [name] text`, each matched word between asterisks. */
export function formatSearchResult(message: Pick<Message, "seq" | "username" | "content" | "highlight">): string {
  let marked = "";
  let at = 0;
  for (const [start, end] of message.highlight ?? []) {
    marked += `${message.content.slice(at, start)}*${message.content.slice(start, end)}*`;
    at = end;
  }
  marked += message.content.slice(at);
  return `#${message.seq} ${formatMessage({ username: message.username, content: marked })}`;
}

export function formatNotice(notice: Pick<RoomNoticePush, "kind" | "username" | "text">): string {
  const name = terminalSafe(notice.username);
  if (notice.kind === "join") return `[JOIN] ${name} joined the chat`;
  if (notice.kind === "leave") return `[LEAVE] ${name} left the chat`;
  return `[ROOM] ${terminalSafe(notice.text ?? "")}`;
}

/** A line from the client itself (status, errors), set apart from chat lines. */
export function status(text: string): string {
  return `[livechat] ${text}`;
}
