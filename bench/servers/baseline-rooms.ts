// The baselines' rooms: no store, no auth, no worker; only a window of the newest
// messages so a push carries the same bytes as Livechat's.
import { randomUUID } from "node:crypto";
import type { Message } from "../../lib/protocol";
import type { PushMode } from "./types";

export const BASELINE_WINDOW = 100;

export class BaselineRooms {
  private readonly rooms = new Map<string, { seq: number; window: Message[] }>();

  constructor(private readonly push: PushMode) {}

  window(room: string): Message[] {
    return this.rooms.get(room)?.window ?? [];
  }

  /** Appends a message; returns it and the `room:messages` payload to push. */
  append(room: string, content: string): { message: Message; payload: { room: string; messages: Message[]; seq: number } } {
    let state = this.rooms.get(room);
    if (!state) this.rooms.set(room, (state = { seq: 0, window: [] }));
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
    return { message, payload: { room, messages: this.push === "full" ? state.window : [message], seq: message.seq } };
  }
}

export function joinReply(rooms: BaselineRooms, room: string) {
  return { ok: true, room, messages: rooms.window(room), members: [], node: "baseline", you: { username: "anon", guest: true } };
}
