// What a message's Markdown may do, and the parser that reads it (markdown-it). The page
// renders the tokens as React elements (app/rooms/[name]/MessageContent.tsx), so nothing
// a message holds is ever parsed by the browser as HTML.
//
// Only the formatting people use in chat is on: bold, italic, strikethrough, inline code,
// fenced code blocks, block quotes, lists and links. Raw HTML is off (it stays text), and
// so are headings, rules, tables, indented code, images (they would load from anywhere)
// and entities (`&lt;` shows as typed, as in any chat). Links are http(s) and mailto only.
import markdownIt, { type MarkdownIt, type Token } from "markdown-it";

export type { Token };

const LINK_PROTOCOLS: ReadonlySet<string> = new Set(["http:", "https:", "mailto:"]);

/** The address a link may take to, or null: http(s) and mailto only, as the browser will read it. */
export function safeHref(href: string | null | undefined): string | null {
  if (!href) return null;
  try {
    const url = new URL(href);
    return LINK_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function createParser(): MarkdownIt {
  const md = new markdownIt("zero", { html: false, linkify: true, breaks: false });
  md.enable(["fence", "blockquote", "list", "emphasis", "strikethrough", "backticks", "escape", "link", "autolink", "linkify", "newline"]);
  // Web addresses and e-mail addresses only when written out: "readme.md" stays text.
  md.linkify.set({ fuzzyLink: false, fuzzyIP: false, fuzzyEmail: true });
  md.linkify.add("ftp:", null).add("//", null);
  // markdown-it's own check refuses javascript:, vbscript:, file: and most data:; this one
  // lets through only what safeHref allows, so a refused link stays text.
  const validateLink = md.validateLink.bind(md);
  md.validateLink = (url) => validateLink(url) && safeHref(url) !== null;
  return md;
}

let parser: MarkdownIt | null = null;

/** The block tokens of a message (markdown-it's token stream; inline tokens are each block's `children`). */
export function parseMessage(content: string): Token[] {
  parser ??= createParser();
  return parser.parse(content, {});
}

/**
 * One line of a message as it reads, without its inline marks (`**new** _build_` reads
 * "new build", a link its text): the one-line quotes of replies and pins show this.
 */
export function plainLine(line: string): string {
  parser ??= createParser();
  const tokens = parser.parseInline(line, {})[0]?.children ?? [];
  return tokens.map((token) => (token.type === "text" || token.type === "code_inline" ? token.content : "")).join("");
}
