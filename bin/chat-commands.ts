// The terminal client's commands: a line that starts with "/" is one, except "//",
// which sends the rest as a message starting with "/".

export type Command =
  | { kind: "message"; content: string }
  | { kind: "rooms" }
  | { kind: "join"; room: string }
  | { kind: "switch"; room: string }
  | { kind: "help" };

export const COMMANDS_HELP = "/rooms lists your rooms with unread counts; /join NAME joins a room and shows it; /switch NAME shows one of your rooms; //text sends /text.";

export function parseLine(line: string): Command {
  if (!line.startsWith("/")) return { kind: "message", content: line };
  if (line.startsWith("//")) return { kind: "message", content: line.slice(1) };
  const [name, ...rest] = line.slice(1).trim().split(/\s+/);
  const room = rest.join(" ");
  switch (name?.toLowerCase()) {
    case "rooms":
      return { kind: "rooms" };
    case "join":
      return room ? { kind: "join", room } : { kind: "help" };
    case "switch":
      return room ? { kind: "switch", room } : { kind: "help" };
    default:
      return { kind: "help" };
  }
}
