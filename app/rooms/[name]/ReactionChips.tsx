// A message's reactions: each emoji with its count; who reacted shows on hover (title)
// and on a long press (touch screens have no hover). Pressing a chip adds the reader's
// reaction or takes it back. "Yours" is decided by the person (the reactions' guest tags),
// as own messages are: a guest named `anon` never sees another `anon`'s reaction as its own.
import { useRef, useState } from "react";
import { hasReacted, reactorsOf, type Identity, type Message } from "@/lib/protocol";
import { useConversation } from "./ConversationContext";
import styles from "./conversation.module.css";

const LONG_PRESS_MS = 500;

export function ReactionChips({ message }: { message: Message }) {
  const conversation = useConversation();
  const [who, setWho] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pressedLong = useRef(false);
  const reactions = message.reactions ?? [];
  if (reactions.length === 0 || message.deleted) return null;
  const you = conversation?.you;

  function holdStart(emoji: string) {
    pressedLong.current = false;
    timer.current = setTimeout(() => {
      pressedLong.current = true;
      setWho(emoji);
    }, LONG_PRESS_MS);
  }

  function holdEnd() {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
  }

  async function toggle(emoji: string, mine: boolean) {
    // A long press shows who reacted; it does not also toggle.
    if (pressedLong.current) return void (pressedLong.current = false);
    const refused = await conversation?.ask("message:react", { seq: message.seq, emoji, on: !mine });
    setError(refused?.message ?? null);
  }

  return (
    <div className={styles.reactionsRow}>
      <ul className={styles.reactions} aria-label="Reactions">
        {reactions.map(({ emoji, users }, at) => {
          const mine = !!you && hasReacted(message, emoji, you);
          const names = reactorsOf(message, at).map(shownName).join(", ");
          return (
            <li key={emoji}>
              <button
                type="button"
                className={styles.chip}
                data-testid="reaction"
                aria-pressed={mine}
                aria-label={`${emoji} ${users.length}: ${names}`}
                title={names}
                onClick={() => void toggle(emoji, mine)}
                onPointerDown={() => holdStart(emoji)}
                onPointerUp={holdEnd}
                onPointerLeave={holdEnd}
                onContextMenu={(event) => event.preventDefault()}
              >
                <span aria-hidden="true">{emoji}</span> <span className={styles.chipCount}>{users.length}</span>
              </button>
              {who === emoji ? (
                <span role="tooltip" className={styles.who} onClick={() => setWho(null)}>
                  {names}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
      {error ? (
        <p role="alert" className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A reactor as the page names people: a guest with its tag (`anon·4821`), as in the member list. */
function shownName(person: Identity): string {
  return person.guest && person.tag !== undefined ? `${person.username}\u00b7${person.tag}` : person.username;
}
