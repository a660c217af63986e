// The push of a room's full list, coalesced: however many changes a tick brings,
// one `room:messages` goes out after it, holding all of them. Nothing is dropped:
// a change after the push schedules the next one.
import type { RoomMessagesPush } from "../protocol";
import { roomTopic } from "../protocol";
import type { Publish } from "../pushes/push-bus";
import type { RoomObserver } from "./observer";

export class ListPush {
  private readonly room: string;
  private readonly publish: Publish;
  private readonly observer: RoomObserver | undefined;
  private readonly read: () => RoomMessagesPush | undefined;
  private scheduled = false;
  /** When each message not yet pushed was stored (performance.now()), oldest first. */
  private unpushedSince: number[] = [];

  /** `read` gives the list as it is when the push goes out, or undefined to send none. */
  constructor(room: string, publish: Publish, observer: RoomObserver | undefined, read: () => RoomMessagesPush | undefined) {
    this.room = room;
    this.publish = publish;
    this.observer = observer;
    this.read = read;
  }

  /** A new message was stored: the observer hears how long it waited for its first push. */
  stored(): void {
    this.unpushedSince.push(performance.now());
  }

  /** Schedules one push at the end of this tick, unless one is scheduled already. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const list = this.read();
      if (!list) return;
      this.publish(roomTopic(this.room), "room:messages", list);
      const sent = performance.now();
      const waited = this.unpushedSince.map((storedAt) => sent - storedAt);
      this.unpushedSince = [];
      this.observer?.messagesPushed(this.room, waited);
    });
  }
}
