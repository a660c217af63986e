// Write and send a message: Enter sends, Shift+Enter starts a new line. The
// text stays until the server confirms it stored the message.
import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { ErrorBody } from "@/lib/protocol";
import { newClientId } from "../../utils/client-id";

interface Props {
  disabled: boolean;
  onSend: (content: string, clientId: string) => Promise<ErrorBody | null>;
}

export function Composer({ disabled, onSend }: Props) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // One id per draft: sending the same draft again cannot store it twice.
  const clientIdRef = useRef<string | null>(null);
  const id = useId();

  async function submit() {
    if (disabled || pending || text.trim() === "") return;
    const content = text;
    const clientId = (clientIdRef.current ??= newClientId());
    setPending(true);
    setError(null);
    const failure = await onSend(content, clientId);
    setPending(false);
    if (failure) {
      setError(failure.message);
      return;
    }
    if (clientIdRef.current === clientId) clientIdRef.current = null;
    setText((current) => (current === content ? "" : current));
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void submit();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
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
            clientIdRef.current = null;
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="button primary" disabled={disabled || pending}>
          Send
        </button>
      </div>
      <p id={`${id}-hint`} className="composer-hint">
        {disabled ? "Waiting for the connection; your text is kept." : "Enter to send, Shift+Enter for a new line."}
      </p>
    </form>
  );
}
