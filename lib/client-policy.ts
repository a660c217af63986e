// How a Livechat client reacts to the server's answers, shared by the room page
// (app/rooms/[name]/useRoomSocket.ts) and the terminal client (bin/chat-session.ts)
// so that both read refusals alike and retry joins alike. No transport here: the
// clients own their sockets and only ask this module what to do.
import type { ErrorBody } from "./protocol";

/** How long a client waits for any acknowledgement before it takes the connection for stuck. */
export const ACK_TIMEOUT_MS = 10_000;

/** How many times a join answered room_unavailable is tried again at once. */
const JOIN_RETRIES = 3;
const JOIN_RETRY_STEP_MS = 250;

/**
 * How long to wait before trying a refused join again, or undefined when retrying
 * at once will not help. A room being restarted by its supervisor answers
 * room_unavailable once, so the first few attempts are retried after 250, 500 and 750 ms.
 */
export function joinRetryDelayMs(error: ErrorBody, attempt: number): number | undefined {
  return error.code === "room_unavailable" && attempt < JOIN_RETRIES ? JOIN_RETRY_STEP_MS * (attempt + 1) : undefined;
}

/**
 * The contract's `{ code, message }` in a Socket.IO `connect_error`'s `data`, or null
 * when the failure did not come from Livechat (a network error carries no data). Both
 * fields must be strings: a client decides on `code`, so a body without one is not a
 * refusal it could act on. A code this client does not know yet (the contract may add
 * codes) is kept, for its message.
 */
export function errorBodyOf(data: unknown): ErrorBody | null {
  if (typeof data !== "object" || data === null) return null;
  const { code, message } = data as { code?: unknown; message?: unknown };
  return typeof code === "string" && typeof message === "string" ? ({ code, message } as ErrorBody) : null;
}

/**
 * A page that has heard nothing from the server (not even its ping, every 5 s) for this
 * long says "Reconnecting…" and connects again, instead of trusting a frozen connection.
 */
export const SILENCE_MS = 8_000;
