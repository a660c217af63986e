// Who calls the chat service, as each transport reads it off its wire: the
// credentials it carried, the client's address, a connection when there is one,
// and an admin token if one was presented. The service decides what they allow.
import type { SessionData } from "../accounts/session";
import type { Person } from "../people";
import type { Connection } from "./connection";

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

export interface Caller {
  credentials: Credentials;
  /** The client's address (the TCP peer, or the proxy's word with TRUST_PROXY), for per-address limits. */
  address: string;
  /** Made by `ChatService.connect`, for callers that hold a connection. */
  connection?: Connection;
  /** A token presented as `Authorization: Bearer`, which may be the admin token. */
  bearer?: string;
}
