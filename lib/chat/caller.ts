// Who calls the chat service, as each transport reads it off its wire: the
// credentials it carried, the client's address, a connection when there is one,
// and an admin token if one was presented. The service decides what they allow.
import type { SessionData } from "../accounts/session";
import type { SendAllowance } from "../limits/send-limiter";
import type { TokenBucket } from "../limits/token-bucket";
import type { Person } from "../people";

export type Credentials =
  /** A connection's identity, decided once at its handshake (Socket.IO). */
  | { kind: "connection"; identity: Person }
  /** A session cookie (HTTP, the Socket.IO handshake), and a guest name asked for now. */
  | { kind: "cookie"; session: () => Promise<SessionData>; guestName?: string }
  /** A bearer token, which must be a signed-in user's session, else a guest name (gRPC). */
  | { kind: "token"; session?: () => Promise<SessionData>; guestName?: string };

/**
 * What the transport keeps for a connection (Socket.IO): which rooms it is in and
 * how it enters and leaves one. The service decides when.
 */
export interface ConnectionPort {
  readonly id: string;
  rooms(): Iterable<string>;
  isIn(room: string): boolean;
  enter(room: string): Promise<void>;
  exit(room: string): Promise<void>;
  /** Makes the connection a watcher of exactly these rooms (their `room:activity` pushes); absent where none are delivered. */
  watch?(rooms: readonly string[]): Promise<void>;
  /** Ends the connection: the service cuts off a client that floods (a port without it is never cut off). */
  close?(): void;
}

/** A connection as the service knows it: the transport's port, its own send and typing allowances, and its join refusals. */
export interface Connection {
  port: ConnectionPort;
  sends: SendAllowance;
  typing: SendAllowance;
  /** A guest's read markers, kept while the connection lives (an account's are in the store). */
  reads: Map<string, number>;
  /** JOIN_RATE refusals this connection may still collect before it is cut off as a flood. */
  joinRefusals: TokenBucket;
  /** Set once the service has cut the connection off: the joins it still had in flight are refused. */
  cutOff?: boolean;
}

export interface Caller {
  credentials: Credentials;
  /** The client's address (the TCP peer, or the proxy's word with TRUST_PROXY), for per-address limits. */
  address: string;
  /** Made by `ChatService.connect`, for callers that hold a connection. */
  connection?: Connection;
  /** A token presented as `Authorization: Bearer`, which may be the admin token. */
  bearer?: string;
}
