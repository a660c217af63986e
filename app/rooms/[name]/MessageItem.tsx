// One message: who, when, what. Content is text only (see LinkifiedText).
import { memo } from "react";
import type { Message } from "@/lib/protocol";
import { longTime, shortTime } from "../../utils/time";
import { Avatar } from "./Avatar";
import { LinkifiedText } from "./LinkifiedText";
import { PersonTag } from "./PersonTag";

export const MessageItem = memo(function MessageItem({ message, mine }: { message: Message; mine: boolean }) {
  return (
    <li className={mine ? "message mine" : "message"} data-testid="message" data-seq={message.seq}>
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
        </p>
        {message.deleted ? (
          <p className="message-content message-deleted" data-testid="message-deleted">
            message deleted
          </p>
        ) : (
          <p className="message-content" data-testid="message-content" dir="auto">
            <LinkifiedText text={message.content} />
          </p>
        )}
      </div>
    </li>
  );
});
