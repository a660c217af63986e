// Write and send a message: Enter sends, Shift+Enter starts a new line. A sent
// message goes to the outbox at once (shown in the list as pending) and the box
// empties, connected or not; the outbox sends it when the connection allows.
// A line starting with "/" is a slash command (lib/commands.ts, as in the terminal
// client): the commands are offered as it is typed, an unknown one is refused here
// and nothing is sent, and the others are handed to `onCommand`.
import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { completeCommand, parseCommand, type Command } from "@/lib/commands";
import { normalizeContent } from "@/lib/names";
import { TYPING_EVERY_MS } from "./typing-line";

/** A command other than a message to send; answers a sentence to show, or null when done. */
export type CommandHandler = (command: Exclude<Command, { kind: "send" | "me" | "error" }>) => Promise<string | null>;

interface Props {
  connected: boolean;
  onSend: (content: string) => void;
  onCommand: CommandHandler;
  /** The person typed a message (not a command): called at most every 2 s while they type. */
  onTyping?: () => void;
}

export function Composer({ connected, onSend, onCommand, onTyping }: Props) {
  const [text, setText] = useState("");
  const typedAt = useRef(0);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const id = useId();
  const suggestions = completeCommand(text);

  async function submit() {
    if (text.trim() === "") return;
    const command = parseCommand(text);
    if (command.kind === "error") return setError(command.message);
    if (command.kind !== "send" && command.kind !== "me") {
      setError(null);
      const answer = await onCommand(command);
      if (command.kind === "help") setInfo(answer);
      else if (answer) return setError(answer);
      setText("");
      return;
    }
    const content = command.content;
    try {
      normalizeContent(content);
    } catch (problem) {
      // Too long: say so here and keep the text to edit, rather than queue a message the server will refuse.
      setError(problem instanceof Error ? problem.message : String(problem));
      return;
    }
    setError(null);
    setInfo(null);
    onSend(content);
    setText("");
    // The next keystroke is a new burst.
    typedAt.current = 0;
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void submit();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Tab" && suggestions.length > 0) {
      event.preventDefault();
      setText(`${suggestions[0]!.name} `);
      return;
    }
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
      {info ? (
        <pre className="composer-info" data-testid="command-help">
          {info}
        </pre>
      ) : null}
      {suggestions.length > 0 ? (
        <ul className="command-suggestions" role="listbox" aria-label="Commands">
          {suggestions.map((command) => (
            <li key={command.name} role="option" aria-selected={false}>
              <button type="button" onClick={() => setText(`${command.name} `)}>
                <code>{command.usage}</code> {command.summary}
              </button>
            </li>
          ))}
        </ul>
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
          placeholder="Write a message, or / for commands…"
          enterKeyHint="send"
          aria-describedby={`${id}-hint`}
          onChange={(event) => {
            setText(event.target.value);
            setError(null);
            const now = Date.now();
            const typed = event.target.value.trim();
            if (typed !== "" && !typed.startsWith("/") && now - typedAt.current >= TYPING_EVERY_MS) {
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
