// What a reader can do to one message: reply, react (a few common emoji), edit or delete
// their own, delete anyone's and pin for the room's owner and moderators. Each change
// goes to the server; the page shows it when the room's pushes bring it back.
import { useId, useState, type FormEvent } from "react";
import type { Message } from "@/lib/protocol";
import { useConversation } from "./ConversationContext";
import styles from "./conversation.module.css";
import type { AskEvent } from "./useRoomSocket";

/** The quick reactions; the full emoji picker lives with the composer. */
export const COMMON_REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "🙏"] as const;

type Mode = "react" | "edit" | "delete" | null;

export function MessageActions({ message, mine }: { message: Message; mine: boolean }) {
  const conversation = useConversation();
  const [mode, setMode] = useState<Mode>(null);
  const [draft, setDraft] = useState(message.content);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  if (!conversation || message.deleted) return null;
  const { seq } = message;
  const canDelete = mine || conversation.keeper;

  async function run(event: AskEvent, payload: object): Promise<boolean> {
    setBusy(true);
    const refused = await conversation!.ask(event, { seq, ...payload });
    setBusy(false);
    setError(refused?.message ?? null);
    if (!refused) setMode(null);
    return !refused;
  }

  function toggle(next: Exclude<Mode, null>) {
    setError(null);
    if (next === "edit") setDraft(message.content);
    setMode((current) => (current === next ? null : next));
  }

  function react(emoji: string) {
    const users = message.reactions?.find((reaction) => reaction.emoji === emoji)?.users ?? [];
    const reacted = !!conversation!.you && users.includes(conversation!.you.username);
    void run("message:react", { emoji, on: !reacted });
  }

  function saveEdit(event: FormEvent) {
    event.preventDefault();
    void run("message:edit", { content: draft });
  }

  return (
    <div className={styles.actions}>
      <div className={styles.toolbar} role="group" aria-label={`Message #${seq}`}>
        <button type="button" className={styles.action} onClick={() => conversation.replyTo(message)}>
          Reply
        </button>
        <button type="button" className={styles.action} aria-expanded={mode === "react"} aria-controls={`${id}-react`} onClick={() => toggle("react")}>
          React
        </button>
        {mine ? (
          <button type="button" className={styles.action} aria-expanded={mode === "edit"} onClick={() => toggle("edit")}>
            Edit
          </button>
        ) : null}
        {canDelete ? (
          <button type="button" className={styles.action} aria-expanded={mode === "delete"} onClick={() => toggle("delete")}>
            Delete
          </button>
        ) : null}
        {conversation.keeper ? (
          <button type="button" className={styles.action} disabled={busy} onClick={() => void run("message:pin", { on: !message.pinned })}>
            {message.pinned ? "Unpin" : "Pin"}
          </button>
        ) : null}
      </div>
      {mode === "react" ? (
        <div id={`${id}-react`} className={styles.palette} role="group" aria-label="Choose a reaction">
          {COMMON_REACTIONS.map((emoji) => (
            <button key={emoji} type="button" className={styles.paletteEmoji} aria-label={`React with ${emoji}`} disabled={busy} onClick={() => react(emoji)}>
              {emoji}
            </button>
          ))}
        </div>
      ) : null}
      {mode === "edit" ? (
        <form className={styles.editor} onSubmit={saveEdit}>
          <textarea
            aria-label="Edit your message"
            value={draft}
            rows={Math.min(6, draft.split("\n").length + 1)}
            maxLength={2000}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Escape") setMode(null);
              if (event.key === "Enter" && !event.shiftKey) saveEdit(event);
            }}
          />
          <div className={styles.editorButtons}>
            <button type="submit" className="button primary" disabled={busy}>
              Save
            </button>
            <button type="button" className="button subtle" onClick={() => setMode(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {mode === "delete" ? (
        <p className={styles.confirm}>
          <span>Delete this message for everyone?</span>
          <button type="button" className="button subtle" disabled={busy} onClick={() => void run("message:delete", {})}>
            Yes, delete
          </button>
          <button type="button" className="button subtle" onClick={() => setMode(null)}>
            Keep it
          </button>
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
