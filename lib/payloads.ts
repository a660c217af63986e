// Parses every inbound payload (a Socket.IO event or an HTTP body): `unknown` in,
// a typed value or a ChatError with `invalid_payload` out. Names and contents are
// then checked by lib/names.ts, which gives the more specific contract codes.
import { z } from "zod";
import { ChatError } from "./errors";

// Shapes only: sizes are bounded by the transports (packet and body limits), and
// lengths of names and contents are judged by lib/names.ts with their own codes.
const clientId = z.string().min(1).max(128).optional();
/** A message's place in its room. */
const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const schemas = {
  room: z.object({ room: z.string() }),
  send: z.object({ room: z.string(), content: z.string(), clientId }),
  post: z.object({ content: z.string(), clientId }),
  history: z.object({ room: z.string(), limit: z.number().optional(), before: z.number().optional() }),
  credentials: z.object({ username: z.string(), password: z.string() }),
  guest: z.object({ name: z.string().optional() }),
  // Conversation (v1.1)
  edit: z.object({ room: z.string(), seq, content: z.string() }),
  messageRef: z.object({ room: z.string(), seq }),
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
