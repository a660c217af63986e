// The terminal client's HTTP calls: is a Livechat server there, sign in, read
// the older messages missed while the connection was down, and search.
import type { ErrorBody, Message } from "../lib/protocol";
import { ChatFailure, describeError, describeUnreachable } from "./chat-errors";

const HTTP_TIMEOUT_MS = 10_000;
const SESSION_COOKIE = "livechat_session";

/** Fails with a sentence when nothing answers at `url`, or something that is not Livechat. */
export async function checkServer(url: URL): Promise<void> {
  const response = await request(url, "/api/health");
  const body = (await response.json().catch(() => null)) as { status?: unknown } | null;
  if (!response.ok || body?.status !== "ok") {
    throw new ChatFailure(`${url.origin} does not answer like a Livechat server (GET /api/health gave ${response.status}).`);
  }
}

/** Signs in and returns the session cookie (`name=value`) for the Socket.IO handshake. */
export async function login(url: URL, username: string, password: string): Promise<string> {
  const response = await request(url, "/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new ChatFailure(describeError(await errorOf(response)));
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new ChatFailure("The server signed you in but sent no session cookie.");
  return cookie.split(";")[0]!;
}

/** Up to `limit` messages of `room` with seq below `before`, oldest first. */
export async function messagesBefore(
  url: URL,
  room: string,
  before: number,
  limit: number,
  cookie?: string,
): Promise<Message[]> {
  const path = `/api/rooms/${encodeURIComponent(room)}/messages?before=${before}&limit=${limit}`;
  const response = await request(url, path, { headers: cookie ? { cookie } : {} });
  if (!response.ok) throw new ChatFailure(describeError(await errorOf(response)));
  return ((await response.json()) as { messages: Message[] }).messages;
}

/** Messages of `room` matching `text`, newest first, with their highlights. */
export async function searchRoom(url: URL, room: string, text: string, limit: number, cookie?: string): Promise<Message[]> {
  const path = `/api/rooms/${encodeURIComponent(room)}/search?q=${encodeURIComponent(text)}&limit=${limit}`;
  const response = await request(url, path, { headers: cookie ? { cookie } : {} });
  if (!response.ok) throw new ChatFailure(describeError(await errorOf(response)));
  return ((await response.json()) as { messages: Message[] }).messages;
}

async function request(url: URL, path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(new URL(path, url), { ...init, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch (error) {
    throw new ChatFailure(describeUnreachable(url, error));
  }
}

async function errorOf(response: Response): Promise<ErrorBody> {
  const body = (await response.json().catch(() => null)) as { error?: ErrorBody } | null;
  return body?.error ?? { code: "internal", message: `The server answered ${response.status}.` };
}
