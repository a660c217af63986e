// The log as people read it: a divider where each day begins ("Today", "Yesterday", a
// date), and a person's consecutive messages grouped under one name and avatar while
// each follows the one before within a few minutes.
import { samePerson, type Message } from "@/lib/protocol";
import type { TimelineItem } from "./timeline";

/** A message this soon after the same person's previous one continues its group. */
export const GROUP_WITHIN_MS = 5 * 60_000;

export type ReadingItem =
  | { kind: "day"; key: string; label: string }
  | { kind: "notice"; key: string; notice: Extract<TimelineItem, { kind: "notice" }>["notice"] }
  | { kind: "message"; key: string; message: Message; continued: boolean };

/** `items` in order, with day dividers (local days) and each message marked when it continues a group. */
export function readingItems(items: readonly TimelineItem[], now: Date, locale?: string): ReadingItem[] {
  const out: ReadingItem[] = [];
  let day: string | null = null;
  let previous: ReadingItem | null = null;
  for (const item of items) {
    const at = new Date(item.kind === "message" ? item.message.sentAt : item.notice.at);
    const valid = !Number.isNaN(at.getTime());
    if (valid && localDay(at) !== day) {
      day = localDay(at);
      previous = { kind: "day", key: `d${day}`, label: dayLabel(at, now, locale) };
      out.push(previous);
    }
    if (item.kind === "notice") {
      previous = item;
    } else {
      const before: Message | null = previous?.kind === "message" ? previous.message : null;
      const gap: number = before ? at.getTime() - Date.parse(before.sentAt) : NaN;
      const continued: boolean = before !== null && samePerson(before, item.message) && gap >= 0 && gap <= GROUP_WITHIN_MS;
      previous = { ...item, continued };
    }
    out.push(previous);
  }
  return out;
}

/** "Today", "Yesterday", or the date (with its year when not this year), in local time. */
export function dayLabel(date: Date, now: Date, locale?: string): string {
  const today = startOfDay(now);
  const day = startOfDay(date);
  if (day === today) return "Today";
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (day === startOfDay(yesterday)) return "Yesterday";
  return date.toLocaleDateString(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: "numeric" }),
  });
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

function localDay(date: Date): string {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}
