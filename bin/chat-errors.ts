// What went wrong, in one sentence for the person at the terminal: contract
// error codes and network failures become sentences that say what to do.
import type { ErrorBody } from "../lib/protocol";

/** A reason the client cannot go on; `livechat chat` prints it and exits with code 1. */
export class ChatFailure extends Error {}

export interface ErrorContext {
  room?: string;
  name?: string;
}

export function describeError(error: ErrorBody, context: ErrorContext = {}): string {
  switch (error.code) {
    case "name_taken":
      return context.name
        ? `The name "${context.name}" belongs to a registered user: choose another --name, or sign in with --login ${context.name}.`
        : error.message;
    case "invalid_room":
      return context.room !== undefined ? `"${context.room}" is not a room name. ${error.message}` : error.message;
    case "unauthorized":
      return error.message || "Wrong username or password.";
    case "rate_limited":
      return "You are sending faster than the server allows.";
    case "invalid_message":
      return error.message || "A message is 1 to 2000 characters.";
    case "room_unavailable":
      return "The room is restarting; send it again in a moment.";
    case "internal":
      return "Something went wrong on the server; try again.";
    default:
      return error.message || `The server refused (${error.code}).`;
  }
}

/** Why fetch could not reach the server, from Node's error causes. */
export function describeUnreachable(url: URL, error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === "string" ? cause.code : (error as Error).name;
  const reason =
    code === "ECONNREFUSED"
      ? "connection refused"
      : code === "ENOTFOUND" || code === "EAI_AGAIN"
        ? `no host named ${url.hostname}`
        : code === "TimeoutError" || code === "UND_ERR_CONNECT_TIMEOUT"
          ? "no answer in time"
          : typeof cause?.message === "string"
            ? cause.message
            : (error as Error).message;
  return `Cannot reach Livechat at ${url.origin} (${reason}). Is the server running? --url or LIVECHAT_URL picks another.`;
}
