// One message: who, when, what. Content is text only (see LinkifiedText).
import { memo } from "react";
import type { Message } from "@/lib/protocol";
import { longTime, shortTime } from "../../utils/time";
import { Avatar } from "./Avatar";
import { LinkifiedText } from "./LinkifiedText";
import { MessageActions } from "./MessageActions";
import { PersonTag } from "./PersonTag";
import { ReactionChips } from "./ReactionChips";
import { ReplyQuote } from "./ReplyQuote";

interface Props {
  message: Message;
  mine: boolean;
  /** The search result the reader jumped to. */
  focused?: boolean;
}

export const MessageItem = memo(function MessageItem({ message, mine, focused = false }: Props) {
  const className = ["message", mine ? "mine" : "", focused ? "focused" : ""].filter(Boolean).join(" ");
  return (
    <li className={className} data-testid="message" data-seq={message.seq} aria-current={focused ? "true" : undefined}>
      <Avatar name={message.username} />
      <div className="message-body">
        <p className="message-meta">
          <span className="message-author" data-testid="message-author" dir="auto">
            {message.username}
          </span>
          <PersonTag identity={message} />
          {message.guest ? <span className="tag">guest</span> : null}
          <time dateTime={message.sentAt} title={longTime(message.sentAt)}>
            {shortTime(message.sentAt)}
          </time>
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
        {message.replyTo !== undefined ? <ReplyQuote seq={message.replyTo} /> : null}
        {message.deleted ? (
          <p className="message-content message-deleted" data-testid="message-deleted">
            message deleted
          </p>
        ) : (
          <p className="message-content" data-testid="message-content" dir="auto">
            <LinkifiedText text={message.content} />
          </p>
        )}
        <ReactionChips message={message} />
        <MessageActions message={message} mine={mine} />
      </div>
    </li>
  );
});
