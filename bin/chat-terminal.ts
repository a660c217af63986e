// The terminal side of `livechat chat`: lines the person types come in, chat
// lines go out. On a real terminal the half-typed line is kept under incoming
// lines and a password is read without echo; on pipes everything is plain lines
// so the client can be scripted.
import { clearLine, clearScreenDown, createInterface, cursorTo, moveCursor, type Interface } from "node:readline";

const PROMPT = "> ";

/** The person pressed Ctrl-C. */
export class Interrupted extends Error {}

export class Terminal {
  private readonly input: NodeJS.ReadStream;
  private readonly output: NodeJS.WriteStream;
  readonly interactive: boolean;
  private lines?: Interface;
  private readonly typed: string[] = [];
  private waiting?: (line: string | null) => void;
  private ended = false;
  private interruptHandler?: () => void;

  constructor(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout) {
    this.input = input;
    this.output = output;
    this.interactive = Boolean(input.isTTY && output.isTTY);
  }

  /** A password: typed without echo on a terminal, else the first line of the input. */
  async password(prompt: string): Promise<string | null> {
    if (this.interactive && !this.lines) return readHidden(this.input, this.output, prompt);
    return this.nextLine();
  }

  /** The next typed line; null at the end of the input (Ctrl-D, or a pipe closing). */
  nextLine(): Promise<string | null> {
    this.start();
    const line = this.typed.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  onInterrupt(handler: () => void): void {
    this.interruptHandler = handler;
  }

  /** Prints one line (it may hold newlines) above what the person is typing. */
  print(text: string): void {
    if (!this.lines || !this.interactive) {
      this.output.write(text + "\n");
      return;
    }
    clearLine(this.output, 0);
    cursorTo(this.output, 0);
    this.output.write(text + "\n");
    this.lines.prompt(true);
  }

  close(): void {
    if (this.lines && this.interactive) {
      // Leave the shell a clean line instead of the prompt.
      clearLine(this.output, 0);
      cursorTo(this.output, 0);
    }
    this.lines?.close();
    this.input.pause();
  }

  private start(): void {
    if (this.lines) return;
    this.lines = createInterface({ input: this.input, output: this.output, terminal: this.interactive, prompt: PROMPT });
    this.lines.on("line", (line) => {
      // The typed line stays on screen; the room's own push prints it as `[you] text`.
      if (this.interactive) {
        const rows = Math.max(1, Math.ceil((PROMPT.length + line.length) / (this.output.columns || 80)));
        moveCursor(this.output, 0, -rows);
        clearScreenDown(this.output);
        this.lines?.prompt();
      }
      this.deliver(line);
    });
    this.lines.on("close", () => {
      this.ended = true;
      this.deliver(null);
    });
    this.lines.on("SIGINT", () => this.interruptHandler?.());
    if (this.interactive) this.lines.prompt();
  }

  private deliver(line: string | null): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting(line);
    } else if (line !== null) {
      this.typed.push(line);
    }
  }
}

/** Reads one line from a terminal in raw mode, echoing nothing. */
function readHidden(input: NodeJS.ReadStream, output: NodeJS.WriteStream, prompt: string): Promise<string | null> {
  // Echo goes off before the prompt shows: whatever is typed after the prompt is never echoed.
  input.setRawMode(true);
  input.setEncoding("utf8");
  input.resume();
  output.write(prompt);
  let typed = "";
  return new Promise((resolve, reject) => {
    const finish = (outcome: () => void) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      output.write("\n");
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return finish(() => resolve(typed));
        if (char === "\u0003") return finish(() => reject(new Interrupted()));
        if (char === "\u0004") {
          if (typed === "") return finish(() => resolve(null));
        } else if (char === "\u007f" || char === "\b") {
          typed = Array.from(typed).slice(0, -1).join("");
        } else if (char >= " ") {
          typed += char;
        }
      }
    };
    input.on("data", onData);
  });
}
