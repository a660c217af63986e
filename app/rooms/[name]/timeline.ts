// Join and leave notices shown between messages, in the order they happened.
import type { Message, RoomNoticePush } from "@/lib/protocol";

export interface Notice extends RoomNoticePush {
  /** Local id: notices carry no id of their own. */
  id: number;
}

export type TimelineItem =
  | { kind: "message"; key: string; message: Message }
  | { kind: "notice"; key: string; notice: Notice };

export function timeline(messages: Message[], notices: Notice[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  let n = 0;
  for (const message of messages) {
    const sent = Date.parse(message.sentAt);
    while (n < notices.length && Date.parse(notices[n].at) < sent) items.push(noticeItem(notices[n++]));
    items.push({ kind: "message", key: `m${message.seq}`, message });
  }
  while (n < notices.length) items.push(noticeItem(notices[n++]));
  return items;
}

function noticeItem(notice: Notice): TimelineItem {
  return { kind: "notice", key: `n${notice.id}`, notice };
}
