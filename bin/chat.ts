// `livechat chat <room>`: a terminal chat client in the spirit of the classic
// Erlang one. It speaks only the public contract: HTTP to check the server and
// sign in, Socket.IO for the room.
import { CHAT_HELP, CHAT_USAGE, parseChatArgs, UsageError, type ChatOptions } from "./chat-args";
import { ChatFailure } from "./chat-errors";
import { checkServer, login } from "./chat-http";
import { ChatSession } from "./chat-session";
import { Interrupted, Terminal } from "./chat-terminal";

/** Runs the client until the person leaves; resolves with the process exit code. */
export async function runChat(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`Usage: ${CHAT_USAGE}\n${CHAT_HELP}`);
    return 0;
  }
  let options: ChatOptions;
  try {
    options = parseChatArgs(args, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`livechat: ${error.message}\nUsage: ${CHAT_USAGE}`);
    return 2;
  }
  const terminal = new Terminal();
  try {
    return await chat(options, terminal);
  } catch (error) {
    if (error instanceof Interrupted) return 130;
    if (!(error instanceof ChatFailure)) throw error;
    console.error(`livechat: ${error.message}`);
    return 1;
  } finally {
    terminal.close();
  }
}

async function chat(options: ChatOptions, terminal: Terminal): Promise<number> {
  await checkServer(options.url);
  let cookie: string | undefined;
  if (options.login) {
    const password = await terminal.password(`Password for ${options.login}: `);
    if (!password) throw new ChatFailure("No password given.");
    cookie = await login(options.url, options.login, password);
  }
  const session = new ChatSession({
    url: options.url,
    room: options.room,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(cookie ? { cookie } : {}),
    print: (line) => terminal.print(line),
    printError: (line) => console.error(line),
  });
  // Ctrl-C leaves the room too; the exit code says a signal ended it (128 + its number).
  const interrupt = () => void session.quit(130);
  terminal.onInterrupt(interrupt);
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", () => void session.quit(143));
  session.start();
  void readLines(terminal, session);
  return session.ended;
}

async function readLines(terminal: Terminal, session: ChatSession): Promise<void> {
  for (;;) {
    const line = await Promise.race([terminal.nextLine(), session.ended.then(() => null)]);
    if (line === null || line.trim() === "exit") return session.quit(0);
    if (line.trim()) session.input(line);
  }
}
