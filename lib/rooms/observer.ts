// What the rooms report as they work, for whoever measures them (server/metrics.ts).
// The domain counts nothing itself and knows no metrics library.
export interface RoomObserver {
  /** A new message was stored (a repeated clientId stores nothing and is not reported). */
  messageStored(room: string): void;
  /**
   * The room's full list was published once (one `room:messages` broadcast). `waitedMs` holds,
   * for each message it carries for the first time, how long after being stored it went out.
   */
  messagesPushed(room: string, waitedMs: readonly number[]): void;
  /** The supervisor replaced a worker that died. */
  roomRestarted(room: string): void;
}
