// Test support: `livechat chat` as a real child process, driven through its
// stdin and read from its stdout, as a person at a terminal would.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const WAIT_MS = 15_000;

export interface ChatProcess {
  /** Every stdout line so far. */
  readonly lines: string[];
  stderr(): string;
  /** Resolves with the first line (seen so far or later, ended or not) that equals `match` or matches the pattern. */
  waitForLine(match: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Types a line and presses Enter. On a terminal, stdout lines keep their \r and escape sequences. */
  type(line: string): void;
  /** Closes stdin: what Ctrl-D does at a terminal. */
  endInput(): void;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends a signal, e.g. SIGSTOP to freeze the client and SIGCONT to let it go on. */
  signal(signal: NodeJS.Signals): void;
  kill(): void;
}

export interface ChatProcessOptions {
  /** Run it on a pseudo-terminal (through util-linux `script`), as in an interactive shell. */
  terminal?: boolean;
  env?: Record<string, string>;
}

export function startChat(args: string[], { terminal = false, env = {} }: ChatProcessOptions = {}): ChatProcess {
  const command = [process.execPath, "bin/livechat.js", "chat", ...args];
  const [file, ...argv] = terminal ? ["script", "-qfec", command.map(shellQuote).join(" "), "/dev/null"] : command;
  const child: ChildProcessWithoutNullStreams = spawn(file!, argv, {
    cwd: REPO_ROOT,
    env: { ...withoutServerUrl(process.env), ...env },
  });
  const enter = terminal ? "\r" : "\n";
  const lines: string[] = [];
  let partial = "";
  let stderr = "";
  const watchers = new Set<() => void>();
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
    for (const watch of watchers) watch();
  });
  child.stdout.on("end", () => {
    if (partial) lines.push(partial);
    partial = "";
  });
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const matches = (line: string, match: string | RegExp) =>
    typeof match === "string" ? line === match : match.test(line);

  return {
    lines,
    stderr: () => stderr,
    waitForLine: (match, timeoutMs = WAIT_MS) =>
      new Promise((resolve, reject) => {
        const check = () => {
          // A prompt waits for input on a line not ended yet.
          const found = [...lines, partial].find((line) => matches(line, match));
          if (found === undefined) return;
          done();
          resolve(found);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line ${String(match)} within ${timeoutMs} ms; stdout:\n${lines.join("\n")}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      }),
    type: (line) => void child.stdin.write(line + enter),
    endInput: () => child.stdin.end(),
    exited,
    signal: (signal) => void child.kill(signal),
    kill: () => void child.kill(),
  };
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** The tests say which server with --url; a LIVECHAT_URL of the person running them must not count. */
function withoutServerUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.LIVECHAT_URL;
  return copy;
}
