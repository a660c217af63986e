// The one-line quote above a reply: who wrote the message it answers and how it began,
// "message deleted" once that message is gone. Choosing it shows the original in the
// log, loading older history first when the page does not hold it.
import { plainLine } from "../../utils/markdown";
import { useConversation } from "./ConversationContext";
import styles from "./conversation.module.css";

export function ReplyQuote({ seq }: { seq: number }) {
  const conversation = useConversation();
  const original = conversation?.find(seq);
  const text = !original ? `message #${seq}` : original.deleted ? "message deleted" : firstLine(original.content);
  return (
    <button type="button" className={styles.quote} data-testid="reply-quote" onClick={() => conversation?.reveal(seq)}>
      <span className="sr-only">In reply to </span>
      <span aria-hidden="true">↪ </span>
      {original ? (
        <span className={styles.quoteAuthor} dir="auto">
          {original.username}
        </span>
      ) : null}
      <span className={original?.deleted ? styles.quoteDeleted : styles.quoteText} dir="auto">
        {text}
      </span>
    </button>
  );
}

/** The message's first line as it reads, its Markdown marks left out. */
export function firstLine(content: string): string {
  return plainLine(content.split("\n", 1)[0] ?? "");
}
