// The one error type the domain throws on purpose: a stable contract code plus a
// sentence for people. Anything else that escapes is a bug and becomes `internal`.
import type { ErrorBody, ErrorCode } from "./protocol";

export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ChatError";
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof ChatError) return error.toBody();
  return { code: "internal", message: "Something went wrong on the server; please try again." };
}

/** `rate_limited` with how long to wait: HTTP answers it with a Retry-After header. */
export class RateLimitedError extends ChatError {
  constructor(
    readonly retryAfterS: number,
    message: string,
  ) {
    super("rate_limited", message);
    this.name = "RateLimitedError";
  }
}
