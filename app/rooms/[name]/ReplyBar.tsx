// Above the composer while a reply is being written: which message it answers, and a
// way to stop replying.
import type { Message } from "@/lib/protocol";
import styles from "./conversation.module.css";
import { firstLine } from "./ReplyQuote";

export function ReplyBar({ message, onCancel }: { message: Message; onCancel: () => void }) {
  return (
    <div className={styles.replyBar} data-testid="reply-bar">
      <span className={styles.replyBarText}>
        Replying to{" "}
        <strong dir="auto" className={styles.quoteAuthor}>
          {message.username}
        </strong>
        <span dir="auto" className={styles.quoteText}>
          {message.deleted ? "message deleted" : firstLine(message.content)}
        </span>
      </span>
      <button type="button" className="button subtle" aria-label="Stop replying" onClick={onCancel}>
        ✕
      </button>
    </div>
  );
}
