// The baselines' rooms: no store, no auth, no worker; only a window of the newest
// messages so a push carries the same bytes as Livechat's, and the same coalescing
// (at most one push per room per tick) so they send the same number of pushes.
import { randomUUID } from "node:crypto";
import type { Message } from "../../lib/protocol";
import type { PushMode } from "./types";

const BASELINE_WINDOW = 100;

export interface MessagesPush {
  room: string;
  messages: Message[];
  seq: number;
}

interface RoomState {
  seq: number;
  window: Message[];
  pushedSeq: number;
  pushScheduled: boolean;
}

export class BaselineRooms {
  private readonly rooms = new Map<string, RoomState>();

  constructor(
    private readonly push: PushMode,
    private readonly publish: (push: MessagesPush) => void = () => undefined,
  ) {}

  window(room: string): Message[] {
    return this.rooms.get(room)?.window ?? [];
  }

  /** Appends a message and schedules the room's push; returns the message for the ack. */
  append(room: string, content: string): Message {
    let state = this.rooms.get(room);
    if (!state) this.rooms.set(room, (state = { seq: 0, window: [], pushedSeq: 0, pushScheduled: false }));
    const message: Message = {
      id: randomUUID(),
      room,
      seq: ++state.seq,
      username: "anon",
      guest: true,
      content,
      sentAt: new Date().toISOString(),
    };
    state.window.push(message);
    if (state.window.length > BASELINE_WINDOW) state.window.shift();
    this.schedulePush(room, state);
    return message;
  }

  private schedulePush(room: string, state: RoomState): void {
    if (state.pushScheduled) return;
    state.pushScheduled = true;
    setImmediate(() => {
      state.pushScheduled = false;
      const since = state.pushedSeq;
      state.pushedSeq = state.seq;
      const messages = this.push === "full" ? state.window : state.window.filter((message) => message.seq > since);
      this.publish({ room, messages, seq: state.seq });
    });
  }
}

export function joinReply(rooms: BaselineRooms, room: string) {
  return { ok: true, room, messages: rooms.window(room), members: [], node: "baseline", you: { username: "anon", guest: true } };
}
