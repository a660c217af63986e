// `livechat chat <room>`: a terminal chat client in the spirit of the classic
// Erlang one. It speaks only the public contract: HTTP to check the server and
// sign in, Socket.IO for the room.
import { CHAT_HELP, CHAT_USAGE, parseChatArgs, UsageError, type ChatOptions } from "./chat-args";
import { parseTerminalCommand, TERMINAL_HELP } from "./chat-commands";
import { ChatFailure } from "./chat-errors";
import { formatSearchResult, status, terminalSafe } from "./chat-format";
import { checkServer, login, searchRoom } from "./chat-http";
import { ChatSession } from "./chat-session";
import { Interrupted, Terminal } from "./chat-terminal";

/** A line starting "/search " searches the room instead of being sent. */
const SEARCH_COMMAND = /^\/search(?:\s+(.*)|\s*)$/s;
const SEARCH_RESULTS = 20;

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
    // People at a terminal get seq numbers to name messages by; piped output keeps `[name] text` unless asked.
    showSeq: options.seq === true || process.stdout.isTTY === true,
    print: (line) => terminal.print(line),
    printError: (line) => console.error(line),
  });
  // Ctrl-C leaves the room too; the exit code says a signal ended it (128 + its number).
  const interrupt = () => void session.quit(130);
  terminal.onInterrupt(interrupt);
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", () => void session.quit(143));
  session.start();
  const search = (text: string) => showSearch(terminal, options, session.currentRoom, text, cookie);
  void readLines(terminal, session, search);
  return session.ended;
}

async function readLines(terminal: Terminal, session: ChatSession, search: (text: string) => Promise<void>): Promise<void> {
  for (;;) {
    const line = await Promise.race([terminal.nextLine(), session.ended.then(() => null)]);
    if (line === null || line.trim() === "exit") return session.quit(0);
    if (!line.trim()) continue;
    const searched = SEARCH_COMMAND.exec(line);
    const command = parseTerminalCommand(line);
    if (searched) await search((searched[1] ?? "").trim());
    else if (!command) {
      session.input(line);
      if (/^\/help\s*$/i.test(line.trim())) for (const text of TERMINAL_HELP) terminal.print(status(text));
    } else if (command.kind === "rooms") await session.listRooms();
    else if (command.kind === "usage") terminal.print(status(command.message));
    else await session.switchTo(command.room, command.kind === "switch");
  }
}

/** `/search text`: the room's messages holding those words, newest first, matched words marked. */
async function showSearch(terminal: Terminal, options: ChatOptions, room: string, text: string, cookie: string | undefined): Promise<void> {
  if (!text) return terminal.print(status("Type /search and the words to look for, e.g. /search release notes."));
  try {
    const found = await searchRoom(options.url, room, text, SEARCH_RESULTS, cookie);
    const quoted = terminalSafe(text);
    if (found.length === 0) return terminal.print(status(`No message in ${room} matches "${quoted}".`));
    terminal.print(status(`${found.length} ${found.length === 1 ? "message matches" : "messages match"} "${quoted}", newest first:`));
    for (const message of found) terminal.print(`  ${formatSearchResult(message)}`);
  } catch (error) {
    if (!(error instanceof ChatFailure)) throw error;
    terminal.print(status(`Search failed: ${error.message}`));
  }
}
