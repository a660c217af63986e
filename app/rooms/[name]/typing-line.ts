// What the room says about who is typing: the people other than you, in words.

/** "Ada is typing…", "Ada and Bo are typing…", "Several people are typing…", or "" for nobody. */
export function typingLine(users: readonly string[], you: string | undefined): string {
  const others = users.filter((user) => user.toLowerCase() !== you?.toLowerCase());
  if (others.length === 0) return "";
  if (others.length === 1) return `${others[0]} is typing…`;
  if (others.length === 2) return `${others[0]} and ${others[1]} are typing…`;
  return "Several people are typing…";
}

/** The composer says it is typing at most this often. */
export const TYPING_EVERY_MS = 2_000;
