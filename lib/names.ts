// Names and contents as the contract defines them. Pure functions, shared by the
// server (which enforces them) and the browser (which gives early feedback).
import { ChatError } from "./errors";

export const ROOM_NAME_MAX = 64;
export const MESSAGE_MAX = 2000;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX_BYTES = 72;
export const GUEST_DEFAULT_NAME = "anon";

// Letters may carry combining marks (Devanagari vowel signs, the dot of a lower-cased İ).
const ROOM_NAME = /^[\p{L}\p{N}_.-][\p{L}\p{M}\p{N}_.-]{0,63}$/u;
const ONLY_DOTS = /^\.+$/;
const USERNAME = /^[A-Za-z0-9_-]{3,32}$/;

/** Lobby, " lobby ", "LOBBY" all name the room "lobby"; inner spaces become "-". */
export function normalizeRoomName(input: string): string {
  const name = input.trim().normalize("NFKC").toLowerCase().replace(/\s+/g, "-");
  // "." and ".." are path segments, not rooms: a URL could never reach them.
  if (!ROOM_NAME.test(name) || ONLY_DOTS.test(name)) {
    throw new ChatError(
      "invalid_room",
      `A room name is 1 to ${ROOM_NAME_MAX} letters, digits, "-", "_" or "." (not only dots).`,
    );
  }
  return name;
}

export function isValidUsername(name: string): boolean {
  return USERNAME.test(name);
}

export function assertUsername(name: string): string {
  if (!isValidUsername(name)) {
    throw new ChatError("invalid_payload", "A name is 3 to 32 letters, digits, \"_\" or \"-\".");
  }
  return name;
}

export function assertPassword(password: string): string {
  if (Array.from(password).length < PASSWORD_MIN || new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) {
    throw new ChatError(
      "invalid_payload",
      `A password is at least ${PASSWORD_MIN} characters and at most ${PASSWORD_MAX_BYTES} bytes.`,
    );
  }
  return password;
}

/** Trims the content and checks its length in characters (code points). */
export function normalizeContent(input: string): string {
  const content = input.trim();
  const length = Array.from(content).length;
  if (length < 1 || length > MESSAGE_MAX) {
    throw new ChatError("invalid_message", `A message is 1 to ${MESSAGE_MAX} characters after trimming.`);
  }
  return content;
}
