// Write and send a message: Enter sends, Shift+Enter starts a new line. A sent
// message goes to the outbox at once (shown in the list as pending) and the box
// empties, connected or not; the outbox sends it when the connection allows.
import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { normalizeContent } from "@/lib/names";
import { TYPING_EVERY_MS } from "./typing-line";

interface Props {
  connected: boolean;
  onSend: (content: string) => void;
  /** The person typed: called at most every 2 s while they type. */
  onTyping?: () => void;
}

export function Composer({ connected, onSend, onTyping }: Props) {
  const [text, setText] = useState("");
  const typedAt = useRef(0);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  function submit() {
    if (text.trim() === "") return;
    try {
      normalizeContent(text);
    } catch (problem) {
      // Too long: say so here and keep the text to edit, rather than queue a message the server will refuse.
      setError(problem instanceof Error ? problem.message : String(problem));
      return;
    }
    setError(null);
    onSend(text);
    setText("");
    // The next keystroke is a new burst.
    typedAt.current = 0;
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    submit();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  return (
    <form className="composer" onSubmit={onSubmit}>
      {error ? (
        <p role="alert" className="field-error composer-error">
          {error}
        </p>
      ) : null}
      <div className="composer-row">
        <label htmlFor={`${id}-message`} className="sr-only">
          Message
        </label>
        <textarea
          id={`${id}-message`}
          name="message"
          rows={1}
          value={text}
          placeholder="Write a message…"
          enterKeyHint="send"
          aria-describedby={`${id}-hint`}
          onChange={(event) => {
            setText(event.target.value);
            setError(null);
            const now = Date.now();
            if (event.target.value.trim() !== "" && now - typedAt.current >= TYPING_EVERY_MS) {
              typedAt.current = now;
              onTyping?.();
            }
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="button primary">
          Send
        </button>
      </div>
      <p id={`${id}-hint`} className="composer-hint">
        {connected
          ? "Enter to send, Shift+Enter for a new line."
          : "Not connected: messages you send wait here and go out once the connection is back."}
      </p>
    </form>
  );
}
