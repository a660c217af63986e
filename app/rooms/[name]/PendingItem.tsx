// One message from the outbox: written here, not yet confirmed by the server.
// Marked as pending in words (for screen readers too), not only by its look.
import { Avatar } from "./Avatar";
import { MessageContent } from "./MessageContent";
import type { OutboxItem } from "./outbox";

interface Props {
  item: OutboxItem;
  author: string;
  connected: boolean;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
}

export function PendingItem({ item, author, connected, onRetry, onDiscard }: Props) {
  const failed = item.state === "failed";
  const status = failed
    ? `Not sent: ${item.error?.message ?? "the server refused it."}`
    : (item.note ?? (connected ? "Sending…" : "Waiting for connection"));
  return (
    <li
      className={failed ? "message pending failed" : "message pending"}
      data-testid="pending-message"
      data-state={item.state}
    >
      <Avatar name={author} />
      <div className="message-body">
        <p className="message-meta">
          <span className="message-author" dir="auto">
            {author}
          </span>
          <span className="pending-status" role={failed ? "alert" : undefined}>
            {status}
          </span>
        </p>
        <div className="message-content" dir="auto">
          <MessageContent text={item.content} />
        </div>
        {failed ? (
          <p className="pending-actions">
            <button type="button" className="link-button" onClick={() => onRetry(item.clientId)}>
              Retry
            </button>
            <button type="button" className="link-button" onClick={() => onDiscard(item.clientId)}>
              Discard
            </button>
          </p>
        ) : null}
      </div>
    </li>
  );
}
