// The command line of `livechat chat`: which room, which server, and who you are.
import { parseArgs } from "node:util";

export const CHAT_USAGE = "livechat chat <room> [--url URL] [--name NAME] [--login USER] [--seq]";
const DEFAULT_URL = "http://localhost:3000";
export const CHAT_HELP = `Chat in a room from the terminal: type a line and press Enter to send it; "/search words" lists the room's
messages holding those words; "exit" or Ctrl-D leaves.
  --url URL      the server (default: LIVECHAT_URL, else ${DEFAULT_URL})
  --name NAME    join as this guest name
  --login USER   sign in; the password is read without echo (from stdin's first line when it is not a terminal)
  --seq          print each message's number (#12) even when the output is not a terminal (a terminal always gets them);
                 /reply, /edit, /delete and /react name a message by it (/help lists every command)`;

export interface ChatOptions {
  room: string;
  /** The server's origin, e.g. http://localhost:3000. */
  url: URL;
  /** Join as this guest name (the handshake's `auth.name`). */
  name?: string;
  /** Sign in as this registered user (asks for the password). */
  login?: string;
  /** Print seq numbers even when the output is not a terminal. */
  seq?: boolean;
}

/** The command line was wrong; the message says how. */
export class UsageError extends Error {}

export function parseChatArgs(args: string[], env: Record<string, string | undefined> = {}): ChatOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: "string" },
        name: { type: "string" },
        login: { type: "string" },
        seq: { type: "boolean" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1 || !positionals[0]?.trim()) {
    throw new UsageError(positionals.length > 1 ? "Give one room name (quote a name with spaces)." : "Give a room name.");
  }
  if (values.name !== undefined && values.login !== undefined) {
    throw new UsageError("Use --name (a guest) or --login (a registered user), not both.");
  }
  if (values.login !== undefined && !values.login.trim()) throw new UsageError("--login needs a username.");
  return {
    room: positionals[0],
    url: parseServerUrl(values.url ?? (env.LIVECHAT_URL || DEFAULT_URL)),
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.login !== undefined ? { login: values.login.trim() } : {}),
    ...(values.seq === true ? { seq: true } : {}),
  };
}

function parseServerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${text}" is not a URL; give the server's address, e.g. ${DEFAULT_URL}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`The server's URL starts with http:// or https://, not ${url.protocol}//.`);
  }
  if (url.pathname !== "/" || url.search || url.hash) {
    throw new UsageError(`Give the server's address without a path, e.g. ${url.origin}.`);
  }
  return new URL(url.origin);
}
