// Write and send a message: Enter sends, Shift+Enter starts a new line. A sent
// message goes to the outbox at once (shown in the list as pending) and the box
// empties, connected or not; the outbox sends it when the connection allows.
// A line starting with "/" is a slash command (lib/commands.ts, as in the terminal
// client): the commands are offered as it is typed, an unknown one is refused here
// and nothing is sent, and the others are handed to `onCommand`. `:shortcode` and
// `@name` are completed too (useCompletion.tsx), and the emoji button inserts at the caret.
// The box grows in height with its text, up to a limit, and never in width.
import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { parseCommand, type Command } from "@/lib/commands";
import { normalizeContent } from "@/lib/names";
import { EmojiPicker } from "./EmojiPicker";
import { TYPING_EVERY_MS } from "./typing-line";
import { useCompletion } from "./useCompletion";

/** A command other than a message to send; answers a sentence to show, or null when done. */
export type CommandHandler = (command: Exclude<Command, { kind: "send" | "me" | "error" }>) => Promise<string | null>;

interface Props {
  connected: boolean;
  /** The room was joined: the focus goes to the box, once. */
  joined: boolean;
  /** Names of the others in the room, for `@name`. */
  people: readonly string[];
  onSend: (content: string) => void;
  onCommand: CommandHandler;
  /** The person typed a message (not a command): called at most every 2 s while they type. */
  onTyping?: () => void;
}

export function Composer({ connected, joined, people, onSend, onCommand, onTyping }: Props) {
  const [text, setText] = useState("");
  const [caret, setCaret] = useState(0);
  const typedAt = useRef(0);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const id = useId();
  const boxRef = useRef<HTMLTextAreaElement>(null);
  // Where the caret goes once a completion or an emoji is in the box.
  const caretAfterRef = useRef<number | null>(null);
  const focusedOnJoinRef = useRef(false);

  function replaceText(next: string, nextCaret: number) {
    caretAfterRef.current = nextCaret;
    setText(next);
    setCaret(nextCaret);
    setError(null);
  }

  const completion = useCompletion({ text, caret, people, onReplace: replaceText });

  useLayoutEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    if (caretAfterRef.current !== null) {
      box.focus();
      box.setSelectionRange(caretAfterRef.current, caretAfterRef.current);
      caretAfterRef.current = null;
    }
    // Browsers without field-sizing: content (see the stylesheet) grow the box here.
    if (!CSS.supports("field-sizing", "content")) {
      box.style.height = "auto";
      box.style.height = `${box.scrollHeight + box.offsetHeight - box.clientHeight}px`;
    }
  });

  useEffect(() => {
    if (!joined || focusedOnJoinRef.current) return;
    focusedOnJoinRef.current = true;
    boxRef.current?.focus();
  }, [joined]);

  function insertAtCaret(insert: string) {
    const box = boxRef.current;
    const start = box?.selectionStart ?? text.length;
    const end = box?.selectionEnd ?? text.length;
    replaceText(text.slice(0, start) + insert + text.slice(end), start + insert.length);
  }

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
    setCaret(0);
    // The next keystroke is a new burst.
    typedAt.current = 0;
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void submit();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (completion.onKeyDown(event)) return;
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
      {completion.popup}
      <div className="composer-row">
        <label htmlFor={`${id}-message`} className="sr-only">
          Message
        </label>
        <textarea
          ref={boxRef}
          id={`${id}-message`}
          name="message"
          rows={1}
          value={text}
          placeholder="Write a message…"
          enterKeyHint="send"
          aria-describedby={`${id}-hint`}
          {...completion.boxProps}
          onChange={(event) => {
            setText(event.target.value);
            setCaret(event.target.selectionStart);
            setError(null);
            const now = Date.now();
            const typed = event.target.value.trim();
            if (typed !== "" && !typed.startsWith("/") && now - typedAt.current >= TYPING_EVERY_MS) {
              typedAt.current = now;
              onTyping?.();
            }
          }}
          onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
        />
        <EmojiPicker onPick={insertAtCaret} />
        <button type="submit" className="button primary">
          Send
        </button>
      </div>
      <p id={`${id}-hint`} className="composer-hint">
        {connected
          ? "Enter to send, Shift+Enter for a new line; / for commands, : for emoji, @ for people."
          : "Not connected: messages you send wait here and go out once the connection is back."}
      </p>
    </form>
  );
}
