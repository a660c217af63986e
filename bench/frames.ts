// The socket.io v5 / engine.io v4 text frames the bench's cheap receivers speak,
// so thousands of sockets cost the load generator little: no socket.io-client.
// "0{..}" open, "2"/"3" ping/pong, "40" connect, "42[event,payload]" event,
// "42<id>[event,payload]" event with ack, "43<id>[reply]" ack.

export type Frame =
  | { kind: "open" }
  | { kind: "ping" }
  | { kind: "connected" }
  | { kind: "connect_error"; data: unknown }
  | { kind: "event"; event: string; args: unknown[] }
  | { kind: "ack"; id: number; args: unknown[] }
  | { kind: "other"; text: string };

export function encodeConnect(auth?: object): string {
  return auth ? `40${JSON.stringify(auth)}` : "40";
}

export function encodeEvent(event: string, payload: unknown, ackId?: number): string {
  return `42${ackId ?? ""}${JSON.stringify([event, payload])}`;
}

export function encodeAck(id: number, reply: unknown): string {
  return `43${id}${JSON.stringify([reply])}`;
}

export function parseFrame(text: string): Frame {
  if (text === "2") return { kind: "ping" };
  if (text.startsWith("0")) return { kind: "open" };
  if (text.startsWith("40")) return { kind: "connected" };
  if (text.startsWith("44")) return { kind: "connect_error", data: JSON.parse(text.slice(2)) };
  if (text.startsWith("42") || text.startsWith("43")) {
    const bracket = text.indexOf("[");
    const idText = text.slice(2, bracket);
    const args = JSON.parse(text.slice(bracket)) as unknown[];
    if (text[1] === "3") return { kind: "ack", id: Number(idText), args };
    return { kind: "event", event: String(args[0]), args: args.slice(1) };
  }
  return { kind: "other", text };
}

const MESSAGES_PREFIX = Buffer.from('42["room:messages",');
const SEQ_KEY = Buffer.from('"seq":');

/** Whether a raw frame is a `room:messages` push, without decoding it. */
export function isMessagesPush(frame: Buffer): boolean {
  return frame.length > MESSAGES_PREFIX.length && frame.compare(MESSAGES_PREFIX, 0, MESSAGES_PREFIX.length, 0, MESSAGES_PREFIX.length) === 0;
}

/**
 * The push's top-level `seq` (its newest message), read from the frame's tail:
 * every receiver of a room gets the same bytes, so only one of them needs to parse them.
 */
export function pushSeq(frame: Buffer): number {
  const at = frame.lastIndexOf(SEQ_KEY);
  if (at < 0) return -1;
  let seq = 0;
  for (let i = at + SEQ_KEY.length; i < frame.length; i++) {
    const digit = frame[i]! - 48;
    if (digit < 0 || digit > 9) break;
    seq = seq * 10 + digit;
  }
  return seq;
}
