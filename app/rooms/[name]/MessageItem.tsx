// One message: who, when, what. Content is text, its Markdown drawn by MessageContent;
// a reply's quote above it, its edited and pinned marks, reactions and actions below.
// A message that continues its author's group (reading.ts) shows no name or avatar
// (the name stays for screen readers) and its time only on hover.
import { memo } from "react";
import { mentions } from "@/lib/mentions";
import type { Message } from "@/lib/protocol";
import { longTime, shortTime } from "../../utils/time";
import { Avatar } from "./Avatar";
import { MessageActions } from "./MessageActions";
import { MessageContent } from "./MessageContent";
import { PersonTag } from "./PersonTag";
import { ReactionChips } from "./ReactionChips";
import { ReplyQuote } from "./ReplyQuote";

interface Props {
  message: Message;
  mine: boolean;
  /** The search result the reader jumped to. */
  focused?: boolean;
  /** Same person as the message above, within minutes: part of its group. */
  continued?: boolean;
  /** The reader's username: a message of someone else that mentions it is marked. */
  reader?: string | null;
}

export const MessageItem = memo(function MessageItem({ message, mine, focused = false, continued = false, reader = null }: Props) {
  const mentioned = !mine && reader !== null && mentions(message.content, reader);
  const className = ["message", mine ? "mine" : "", focused ? "focused" : "", continued ? "continued" : "", mentioned ? "mentions-you" : ""]
    .filter(Boolean)
    .join(" ");
  const time = (
    <time dateTime={message.sentAt} title={longTime(message.sentAt)}>
      {shortTime(message.sentAt)}
    </time>
  );
  return (
    <li className={className} data-testid="message" data-seq={message.seq} data-mentions-you={mentioned || undefined} aria-current={focused ? "true" : undefined}>
      {continued ? <span className="message-gutter">{time}</span> : <Avatar name={message.username} />}
      <div className="message-body">
        <p className={continued ? "message-meta sr-only" : "message-meta"}>
          <span className="message-author" data-testid="message-author" dir="auto">
            {message.username}
          </span>
          <PersonTag identity={message} />
          {message.guest ? <span className="tag">guest</span> : null}
          {continued ? null : time}
          {mentioned ? <span className="sr-only">mentions you</span> : null}
        </p>
        {message.replyTo !== undefined ? <ReplyQuote seq={message.replyTo} /> : null}
        {message.deleted ? (
          <p className="message-content message-deleted" data-testid="message-deleted">
            message deleted
          </p>
        ) : (
          <div className="message-content" data-testid="message-content" dir="auto">
            <MessageContent text={message.content} reader={reader} />
          </div>
        )}
        {(message.editedAt && !message.deleted) || message.pinned ? (
          <p className="message-flags">
            {message.editedAt && !message.deleted ? (
              <span className="message-edited" data-testid="message-edited" title={`Edited ${longTime(message.editedAt)}`}>
                (edited)
              </span>
            ) : null}
            {message.pinned ? (
              <span className="tag" data-testid="message-pinned">
                pinned
              </span>
            ) : null}
          </p>
        ) : null}
        <ReactionChips message={message} />
        <MessageActions message={message} mine={mine} />
      </div>
    </li>
  );
});
