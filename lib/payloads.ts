// Parses every inbound payload (a Socket.IO event or an HTTP body): `unknown` in,
// a typed value or a ChatError with `invalid_payload` out. Names and contents are
// then checked by lib/names.ts, which gives the more specific contract codes.
import { z } from "zod";
import { ChatError } from "./errors";

const roomField = z.string().max(256);

const schemas = {
  join: z.object({ room: roomField }),
  leave: z.object({ room: roomField }),
  send: z.object({
    room: roomField,
    content: z.string().max(20_000),
    clientId: z.string().min(1).max(128).optional(),
  }),
  post: z.object({
    content: z.string().max(20_000),
    clientId: z.string().min(1).max(128).optional(),
  }),
  credentials: z.object({ username: z.string().max(256), password: z.string().max(1024) }),
  guest: z.object({ name: z.string().max(256).optional() }),
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
