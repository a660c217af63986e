// A message's text with its Markdown (app/utils/markdown.ts) drawn as React elements, one per
// token: every character of the message reaches the DOM as text, never as HTML.
//
// Right-to-left text: each block (paragraph, list item, quote) takes its direction from its
// own first letters (dir="auto"). Each run of text is its own bidi isolate, so a direction
// control in one run cannot reorder another, nor anything after the message. A link is an
// isolate that reads left to right, shown without bidi controls; its href keeps them
// percent-encoded, so the address shown is the address followed.
import { Fragment, memo, type ReactNode } from "react";
import { findMentions } from "@/lib/mentions";
import { withoutBidiControls } from "../../utils/bidi";
import { parseMessage, safeHref, type Token } from "../../utils/markdown";

/** What links carry: opened apart from the page, followed without vouching for them. */
export const LINK_REL = "noopener noreferrer nofollow ugc";

interface Props {
  text: string;
  /** The reader's username: mentions of it are marked apart from other mentions. */
  reader?: string | null;
}

export const MessageContent = memo(function MessageContent({ text, reader = null }: Props) {
  return <>{renderBlocks(parseMessage(text), reader?.toLowerCase() ?? null)}</>;
});

interface Frame {
  token: Token | null;
  children: ReactNode[];
}

function renderBlocks(tokens: Token[], reader: string | null): ReactNode[] {
  const stack: Frame[] = [{ token: null, children: [] }];
  tokens.forEach((token, index) => {
    const top = stack[stack.length - 1]!;
    if (token.nesting === 1) {
      stack.push({ token, children: [] });
    } else if (token.nesting === -1 && stack.length > 1) {
      const frame = stack.pop()!;
      stack[stack.length - 1]!.children.push(blockElement(frame, index));
    } else if (token.type === "inline") {
      top.children.push(<Fragment key={index}>{renderInline(token.children ?? [], reader)}</Fragment>);
    } else if (token.type === "fence") {
      // The info string ("ts") is not used: a language name is no reason to trust a class.
      top.children.push(
        <pre key={index} className="code-block" tabIndex={0}>
          <code>{token.content.replace(/\n$/, "")}</code>
        </pre>,
      );
    }
  });
  return stack[0]!.children;
}

function blockElement({ token, children }: Frame, key: number): ReactNode {
  switch (token?.type) {
    case "paragraph_open":
      // A tight list's items hold their text without a paragraph around it.
      return token.hidden ? <Fragment key={key}>{children}</Fragment> : <p key={key} dir="auto">{children}</p>;
    case "bullet_list_open":
      return <ul key={key}>{children}</ul>;
    case "ordered_list_open": {
      const start = Number(token.attrGet("start") ?? 1);
      return (
        <ol key={key} start={Number.isSafeInteger(start) && start !== 1 ? start : undefined}>
          {children}
        </ol>
      );
    }
    case "list_item_open":
      return <li key={key} dir="auto">{children}</li>;
    case "blockquote_open":
      return <blockquote key={key} dir="auto">{children}</blockquote>;
    default:
      // A block this renderer does not know: its text, without its element.
      return <Fragment key={key}>{children}</Fragment>;
  }
}

function renderInline(tokens: Token[], reader: string | null): ReactNode[] {
  // inLink: inside a link; nested: this frame opened inside one already.
  const stack: Array<Frame & { inLink: boolean; nested: boolean }> = [{ token: null, children: [], inLink: false, nested: false }];
  tokens.forEach((token, index) => {
    const top = stack[stack.length - 1]!;
    if (token.nesting === 1) {
      stack.push({ token, children: [], inLink: top.inLink || token.type === "link_open", nested: top.inLink });
    } else if (token.nesting === -1 && stack.length > 1) {
      const frame = stack.pop()!;
      stack[stack.length - 1]!.children.push(inlineElement(frame, index));
    } else {
      top.children.push(inlineLeaf(token, index, top.inLink, reader));
    }
  });
  return stack[0]!.children;
}

function inlineElement({ token, children, nested }: Frame & { nested: boolean }, key: number): ReactNode {
  switch (token?.type) {
    case "strong_open":
      return <strong key={key}>{children}</strong>;
    case "em_open":
      return <em key={key}>{children}</em>;
    case "s_open":
      return <s key={key}>{children}</s>;
    case "link_open": {
      // CommonMark lets an autolink sit in a link's text (`[see <https://a>](https://b)`):
      // the inner one stays text, as a link in a link is no HTML.
      const href = nested ? null : safeHref(String(token.attrGet("href") ?? ""));
      if (href === null) return <Fragment key={key}>{children}</Fragment>;
      return (
        <bdi key={key} dir="ltr">
          <a href={href} target="_blank" rel={LINK_REL}>
            {children}
          </a>
        </bdi>
      );
    }
    default:
      return <Fragment key={key}>{children}</Fragment>;
  }
}

function inlineLeaf(token: Token, key: number, inLink: boolean, reader: string | null): ReactNode {
  switch (token.type) {
    case "text":
      // Delimiter runs leave empty text tokens behind.
      if (token.content === "") return null;
      if (inLink) return withoutBidiControls(token.content);
      return (
        <span key={key} className="text-run">
          {withMentions(token.content, reader)}
        </span>
      );
    case "code_inline":
      return <code key={key}>{inLink ? withoutBidiControls(token.content) : token.content}</code>;
    case "softbreak":
      // The content is laid out with white-space: pre-wrap: a line break stays a line break.
      return "\n";
    case "hardbreak":
      return <br key={key} />;
    default:
      return token.content ? <Fragment key={key}>{token.content}</Fragment> : null;
  }
}

/** `@name` marked as a mention; the reader's own name marked apart. */
function withMentions(text: string, reader: string | null): ReactNode {
  if (!text.includes("@")) return text;
  const parts: ReactNode[] = [];
  let at = 0;
  for (const span of findMentions(text)) {
    if (span.start > at) parts.push(text.slice(at, span.start));
    const you = reader !== null && span.name.toLowerCase() === reader;
    parts.push(
      <span key={span.start} className={you ? "mention mention-you" : "mention"}>
        {text.slice(span.start, span.end)}
      </span>,
    );
    at = span.end;
  }
  if (at === 0) return text;
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}
