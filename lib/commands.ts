// Slash commands, as the room page's composer and the terminal client both read
// them: one parser, so "/ban kim 10m spam" means the same thing everywhere. Parsing
// only: each client carries the command out over its own connection.
import type { ModerationAction } from "./protocol";

export type Command =
  /** Not a command: send the text as it is ("//x" sends "/x"). */
  | { kind: "send"; content: string }
  /** An action in the third person, sent as a message starting "* ". */
  | { kind: "me"; content: string }
  /** A guest's new display name. */
  | { kind: "nick"; name: string }
  | { kind: "topic"; topic: string }
  | { kind: "moderate"; action: ModerationAction; username: string; reason?: string; durationS?: number }
  | { kind: "help"; text: string }
  /** Conversation (v1.1): a message named by its seq, which both clients show. */
  | { kind: "reply"; seq: number; content: string }
  | { kind: "edit"; seq: number; content: string }
  | { kind: "delete"; seq: number }
  /** Toggles the reaction: the client knows whether the person has reacted with it already. */
  | { kind: "react"; seq: number; emoji: string }
  /** An unknown command or a wrong use of one: say so, send nothing. */
  | { kind: "error"; message: string };

export interface CommandHelp {
  name: string;
  usage: string;
  summary: string;
}

export const COMMANDS: readonly CommandHelp[] = [
  { name: "/me", usage: "/me action", summary: "say what you are doing" },
  { name: "/nick", usage: "/nick name", summary: "change your guest name" },
  { name: "/topic", usage: "/topic text", summary: "set the room's topic (owner and moderators)" },
  { name: "/kick", usage: "/kick name [reason]", summary: "remove someone; they may come back" },
  { name: "/ban", usage: "/ban name [duration] [reason]", summary: "remove someone and keep them out (duration like 30m, 2h, 7d)" },
  { name: "/unban", usage: "/unban name", summary: "lift a ban" },
  { name: "/mute", usage: "/mute name", summary: "let someone read but not post" },
  { name: "/unmute", usage: "/unmute name", summary: "let a muted person post again" },
  { name: "/invite", usage: "/invite name", summary: "make a registered user a member of a private room" },
  { name: "/op", usage: "/op name", summary: "make someone a moderator (owner)" },
  { name: "/deop", usage: "/deop name", summary: "take someone's moderator role (owner)" },
  { name: "/reply", usage: "/reply seq text", summary: "answer message #seq" },
  { name: "/edit", usage: "/edit seq text", summary: "change your message #seq" },
  { name: "/delete", usage: "/delete seq", summary: "delete message #seq (yours; the owner and moderators any)" },
  { name: "/react", usage: "/react seq emoji", summary: "add an emoji to message #seq, or take yours back" },
  { name: "/help", usage: "/help", summary: "list these commands" },
];

const BY_NAME: ReadonlyMap<string, ModerationAction> = new Map([
  ["/kick", "kick"],
  ["/ban", "ban"],
  ["/unban", "unban"],
  ["/mute", "mute"],
  ["/unmute", "unmute"],
  ["/invite", "invite"],
  ["/op", "promote"],
  ["/deop", "demote"],
]);

const UNITS: ReadonlyMap<string, number> = new Map([
  ["s", 1],
  ["m", 60],
  ["h", 3600],
  ["d", 86400],
]);

/** Reads what a person typed: a command, or text to send. */
export function parseCommand(input: string): Command {
  const text = input.trim();
  if (!text.startsWith("/")) return { kind: "send", content: input };
  if (text.startsWith("//")) return { kind: "send", content: text.slice(1) };
  const [name = "", ...words] = text.split(/\s+/);
  const command = name.toLowerCase();
  const rest = text.slice(name.length).trim();
  const usage = (): Command => ({ kind: "error", message: `Usage: ${COMMANDS.find((known) => known.name === command)?.usage ?? command}` });
  switch (command) {
    case "/me":
      return rest === "" ? usage() : { kind: "me", content: `* ${rest}` };
    case "/nick":
      return words.length !== 1 ? usage() : { kind: "nick", name: words[0]! };
    case "/topic":
      return { kind: "topic", topic: rest };
    case "/help":
      return { kind: "help", text: COMMANDS.map((known) => `${known.usage}: ${known.summary}`).join("\n") };
    case "/reply":
    case "/edit": {
      const seq = parseSeq(words[0]);
      const content = rest.slice(words[0]?.length ?? 0).trim();
      if (seq === undefined || content === "") return usage();
      return { kind: command === "/reply" ? "reply" : "edit", seq, content };
    }
    case "/delete": {
      const seq = parseSeq(words[0]);
      return seq === undefined || words.length !== 1 ? usage() : { kind: "delete", seq };
    }
    case "/react": {
      const seq = parseSeq(words[0]);
      return seq === undefined || words.length !== 2 ? usage() : { kind: "react", seq, emoji: words[1]! };
    }
  }
  const action = BY_NAME.get(command);
  if (!action) return { kind: "error", message: `Unknown command ${name}; type /help for the list. Nothing was sent.` };
  const [username, ...more] = words;
  if (!username) return usage();
  if (action === "kick" || action === "ban") {
    const durationS = action === "ban" && more[0] !== undefined ? parseDuration(more[0]) : undefined;
    const reason = (durationS === undefined ? more : more.slice(1)).join(" ");
    return { kind: "moderate", action, username, ...(reason ? { reason } : {}), ...(durationS !== undefined ? { durationS } : {}) };
  }
  return more.length > 0 ? usage() : { kind: "moderate", action, username };
}

/** A message's seq as typed ("12" or "#12"); undefined for anything else. */
function parseSeq(word: string | undefined): number | undefined {
  const match = /^#?(\d{1,15})$/.exec(word ?? "");
  const seq = match ? Number(match[1]) : 0;
  return seq >= 1 ? seq : undefined;
}

/** "90", "30s", "10m", "2h", "7d" in seconds; undefined for anything else. */
export function parseDuration(word: string): number | undefined {
  const match = /^(\d{1,7})([smhd]?)$/i.exec(word);
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNITS.get((match[2] || "s").toLowerCase()) ?? 1);
  return seconds > 0 ? seconds : undefined;
}

/** The commands that complete what is typed so far ("/b" -> /ban), for autocomplete. */
export function completeCommand(input: string): CommandHelp[] {
  if (!input.startsWith("/") || /\s/.test(input)) return [];
  const typed = input.toLowerCase();
  return COMMANDS.filter((known) => known.name.startsWith(typed));
}
