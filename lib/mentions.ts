// Which people a message mentions: `@name` where name is a username's shape (3 to 32
// of a-z A-Z 0-9 _ -), compared case-insensitively, and never inside code (`inline`
// or a ``` fenced block ```), where an @ is part of what is quoted. Pure, shared by
// the server (unread mention counts, room:activity) and the pages (rendering).

export interface MentionSpan {
  /** The name as written, without the @. */
  name: string;
  /** Where the `@` is in the content (UTF-16 index). */
  start: number;
  /** Just past the name's last character. */
  end: number;
}

const NAME_CHAR = /[A-Za-z0-9_-]/;
const NAME = /@([A-Za-z0-9_-]{3,32})(?![A-Za-z0-9_-])/y;

/** Every mention in the content, in order, with where it is (for rendering). */
export function findMentions(content: string): MentionSpan[] {
  const spans: MentionSpan[] = [];
  for (const [from, to] of outsideCode(content)) {
    for (let at = content.indexOf("@", from); at !== -1 && at < to; at = content.indexOf("@", at + 1)) {
      // "ada@example.com" and "@@ada" are not mentions: the @ must start a word.
      const before = at > 0 ? content[at - 1]! : "";
      if (before !== "" && (NAME_CHAR.test(before) || before === "@")) continue;
      NAME.lastIndex = at;
      const match = NAME.exec(content);
      if (!match || at + match[0].length > to) continue;
      spans.push({ name: match[1]!, start: at, end: at + match[0].length });
    }
  }
  return spans;
}

/** The names a message mentions, lower-cased, each once, in order of first mention. */
export function mentionedNames(content: string): string[] {
  return [...new Set(findMentions(content).map((span) => span.name.toLowerCase()))];
}

/** Whether the content mentions `username` (any case). */
export function mentions(content: string, username: string): boolean {
  if (!content.includes("@")) return false;
  const wanted = username.toLowerCase();
  return findMentions(content).some((span) => span.name.toLowerCase() === wanted);
}

/**
 * The ranges [from, to) of the content outside code: a ``` fence runs to the next ```
 * (or the end), and a run of backticks opens inline code closed by the same run; an
 * opening run never closed is a plain backtick, as in Markdown.
 */
function outsideCode(content: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let from = 0;
  let at = content.indexOf("`");
  while (at !== -1) {
    let run = 1;
    while (content[at + run] === "`") run++;
    const fence = "`".repeat(run >= 3 ? 3 : run);
    const close = content.indexOf(fence, at + run);
    if (run >= 3 || close !== -1) {
      ranges.push([from, at]);
      if (close === -1) return ranges;
      from = close + fence.length;
      at = content.indexOf("`", from);
    } else {
      at = content.indexOf("`", at + run);
    }
  }
  ranges.push([from, content.length]);
  return ranges;
}
