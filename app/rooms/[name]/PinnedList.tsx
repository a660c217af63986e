// The room's pinned messages in the side panel, oldest first (settings.pinned). Messages
// the page does not hold are read from the history API; choosing one shows it in the log.
import { useEffect, useId, useState } from "react";
import type { Message } from "@/lib/protocol";
import { getJson } from "../../utils/api";
import styles from "./conversation.module.css";
import { firstLine } from "./ReplyQuote";

interface Props {
  room: string;
  pinned: readonly number[];
  find: (seq: number) => Message | undefined;
  onChoose: (seq: number) => void;
}

export function PinnedList({ room, pinned, find, onChoose }: Props) {
  const id = useId();
  const [fetched, setFetched] = useState<ReadonlyMap<number, Message>>(new Map());
  const missing = pinned.filter((seq) => !find(seq) && !fetched.has(seq)).join(",");

  useEffect(() => {
    if (missing === "") return;
    let cancelled = false;
    void Promise.all(
      missing.split(",").map(async (text) => {
        const seq = Number(text);
        const result = await getJson<{ messages: Message[] }>(`/api/rooms/${encodeURIComponent(room)}/messages?before=${seq + 1}&limit=1`);
        return result.ok ? result.data.messages.find((message) => message.seq === seq) : undefined;
      }),
    ).then((found) => {
      if (cancelled) return;
      setFetched((previous) => new Map([...previous, ...found.flatMap((message) => (message ? [[message.seq, message] as const] : []))]));
    });
    return () => {
      cancelled = true;
    };
  }, [missing, room]);

  if (pinned.length === 0) return null;
  return (
    <section className={styles.pinned} aria-labelledby={`${id}-heading`} data-testid="pinned-list">
      <h2 id={`${id}-heading`} className={styles.pinnedHeading}>
        Pinned ({pinned.length})
      </h2>
      <ol>
        {pinned.map((seq) => {
          const message = find(seq) ?? fetched.get(seq);
          return (
            <li key={seq}>
              <button type="button" className={styles.pinnedItem} onClick={() => onChoose(seq)}>
                {message ? (
                  <>
                    <span className={styles.quoteAuthor} dir="auto">
                      {message.username}
                    </span>
                    <span className={styles.quoteText} dir="auto">
                      {firstLine(message.content)}
                    </span>
                  </>
                ) : (
                  <span className={styles.quoteText}>Message #{seq}</span>
                )}
              </button>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
