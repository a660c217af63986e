// Parses every inbound payload (a Socket.IO event or an HTTP body): `unknown` in,
// a typed value or a ChatError with `invalid_payload` out. Names and contents are
// then checked by lib/names.ts, which gives the more specific contract codes.
import { z } from "zod";
import { ChatError } from "./errors";
import { MODERATION_ACTIONS, VISIBILITIES } from "./protocol";

/** A ban lasts at most a year when it has a duration; without one, until unbanned. */
const BAN_MAX_S = 365 * 24 * 3600;
/** Slow mode: at most one message per this many seconds per person. */
const SLOW_MODE_MAX_S = 3600;

// Shapes only: sizes are bounded by the transports (packet and body limits), and
// lengths of names and contents are judged by lib/names.ts with their own codes.
const clientId = z.string().min(1).max(128).optional();
/** A message's place in its room. */
const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const schemas = {
  room: z.object({ room: z.string() }),
  join: z.object({ room: z.string(), invite: z.string().min(1).max(1024).optional() }),
  send: z.object({ room: z.string(), content: z.string(), clientId, replyTo: seq.optional() }),
  post: z.object({ content: z.string(), clientId, replyTo: seq.optional() }),
  history: z.object({ room: z.string(), limit: z.number().optional(), before: z.number().optional() }),
  search: z.object({ text: z.string(), room: z.string().optional(), limit: z.number().optional(), before: z.number().optional() }),
  credentials: z.object({ username: z.string(), password: z.string() }),
  guest: z.object({ name: z.string().optional() }),

  // Rooms with owners. A topic's length is judged by lib/names.ts (normalizeTopic).
  configure: z.object({
    room: z.string(),
    topic: z.string().optional(),
    visibility: z.enum(VISIBILITIES).optional(),
    readOnly: z.boolean().optional(),
    slowModeS: z.number().int().min(0).max(SLOW_MODE_MAX_S).optional(),
  }),
  moderate: z.object({
    room: z.string(),
    action: z.enum(MODERATION_ACTIONS),
    username: z.string().min(1).max(64),
    reason: z.string().max(300).optional(),
    durationS: z.number().int().min(1).max(BAN_MAX_S).optional(),
    address: z.boolean().optional(),
  }),
  audit: z.object({ room: z.string(), limit: z.number().int().min(1).max(1000).optional() }),
  invite: z.object({ room: z.string(), expiresInS: z.number().int().min(60).max(30 * 24 * 3600).optional() }),

  // Awareness (v1.1).
  read: z.object({ room: z.string(), seq: z.number().int().nonnegative() }),
  watch: z.object({ rooms: z.array(z.string()) }),
  myRoom: z.object({ room: z.string(), notify: z.enum(["mentions", "all"]).optional() }),

  // Conversation (v1.1). A reaction's emoji is judged by lib/reaction-emoji.ts.
  edit: z.object({ room: z.string(), seq, content: z.string() }),
  messageRef: z.object({ room: z.string(), seq }),
  react: z.object({ room: z.string(), seq, emoji: z.string().max(64), on: z.boolean() }),
  pin: z.object({ room: z.string(), seq, on: z.boolean() }),
};

type Schemas = typeof schemas;
export type Payload<K extends keyof Schemas> = z.infer<Schemas[K]>;

export function parsePayload<K extends keyof Schemas>(kind: K, input: unknown): Payload<K> {
  const result = schemas[kind].safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (${issue.path.join(".")})` : "";
    throw new ChatError("invalid_payload", `The request is not in the expected shape${where}: ${issue?.message ?? "invalid"}.`);
  }
  return result.data as Payload<K>;
}
