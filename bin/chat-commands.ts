// The terminal client's own commands, read before the slash commands every client
// shares (lib/commands.ts): moving between rooms is the terminal's business, as a
// page has its sidebar for it. Anything else is left to the shared parser.

export type TerminalCommand =
  | { kind: "rooms" }
  | { kind: "join"; room: string }
  | { kind: "switch"; room: string }
  /** A terminal command used wrongly: say how it is used, send nothing. */
  | { kind: "usage"; message: string };

/** Printed after the shared commands' /help. */
export const TERMINAL_HELP: readonly string[] = [
  "/rooms: your rooms here, with what is unread in each",
  "/join name: join a room and show it",
  "/switch name: show one of your rooms",
  "/search words: the room's messages with those words, newest first",
];

/** The terminal command a line is, or undefined for a message or a shared slash command. */
export function parseTerminalCommand(line: string): TerminalCommand | undefined {
  const [name = "", ...words] = line.trim().split(/\s+/);
  const command = name.toLowerCase();
  const room = words.join(" ");
  switch (command) {
    case "/rooms":
      return { kind: "rooms" };
    case "/join":
    case "/switch":
      if (!room) return { kind: "usage", message: `Usage: ${command} name` };
      return command === "/join" ? { kind: "join", room } : { kind: "switch", room };
    default:
      return undefined;
  }
}
