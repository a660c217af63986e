import { describe, expect, it } from "vitest";
import type { Message } from "@/lib/protocol";
import { dayLabel, GROUP_WITHIN_MS, readingItems } from "./reading";
import { timeline, type Notice } from "./timeline";

// Local times: days begin at local midnight, as the reader's clock says.
const NOW = new Date(2026, 10, 30, 15, 0);
const local = (day: number, hour: number, minute = 0, second = 0) => new Date(2026, 10, day, hour, minute, second).toISOString();

let seq = 0;
function msg(sentAt: string, username = "ada", extra: Partial<Message> = {}): Message {
  seq += 1;
  return { id: `${seq}`, room: "r", seq, username, guest: false, content: `m${seq}`, sentAt, ...extra };
}
const notice = (id: number, at: string): Notice => ({ id, room: "r", kind: "join", username: "gage", at });

/** The items as short words: "day:Today", "ada" (a new group), "+" (continues the group), "notice". */
function shape(messages: Message[], notices: Notice[] = []): string[] {
  return readingItems(timeline(messages, notices), NOW, "en-GB").map((item) =>
    item.kind === "day" ? `day:${item.label}` : item.kind === "notice" ? "notice" : item.continued ? "+" : item.message.username,
  );
}

describe("grouping a person's messages", () => {
  it("groups consecutive messages of one person within five minutes under one name", () => {
    expect(shape([msg(local(30, 10)), msg(local(30, 10, 1)), msg(local(30, 10, 4, 59)), msg(local(30, 10, 9))])).toEqual([
      "day:Today",
      "ada",
      "+",
      "+",
      "+",
    ]);
  });

  it("keeps more than a screenful of quick messages in one group", () => {
    const many = Array.from({ length: 30 }, (_, i) => msg(local(30, 11, i)));
    expect(shape(many).filter((s) => s === "ada")).toHaveLength(1);
  });

  it("starts a new group after a pause of more than five minutes", () => {
    const first = msg(local(30, 10));
    const late = msg(new Date(Date.parse(first.sentAt) + GROUP_WITHIN_MS + 1000).toISOString());
    expect(shape([first, late])).toEqual(["day:Today", "ada", "ada"]);
  });

  it("starts a new group when someone else speaks or a notice comes between", () => {
    expect(shape([msg(local(30, 10)), msg(local(30, 10, 1), "gage"), msg(local(30, 10, 2))])).toEqual(["day:Today", "ada", "gage", "ada"]);
    expect(shape([msg(local(30, 10)), msg(local(30, 10, 2))], [notice(1, local(30, 10, 1))])).toEqual(["day:Today", "ada", "notice", "ada"]);
  });

  it("tells apart two guests of one name, and a guest from an account of that name", () => {
    const anon = (tag: string) => ({ guest: true, tag });
    expect(
      shape([
        msg(local(30, 10), "anon", anon("0001")),
        msg(local(30, 10, 1), "anon", anon("0002")),
        msg(local(30, 10, 2), "anon", anon("0002")),
        msg(local(30, 10, 3), "anon"),
      ]),
    ).toEqual(["day:Today", "anon", "anon", "+", "anon"]);
  });

  it("groups an account's messages whatever the case of the name", () => {
    expect(shape([msg(local(30, 10), "Ada"), msg(local(30, 10, 1), "ada")])).toEqual(["day:Today", "Ada", "+"]);
  });
});

describe("day dividers", () => {
  it("puts a divider before the first item of each day, and never groups across one", () => {
    expect(shape([msg(local(27, 23, 58)), msg(local(28, 0, 1)), msg(local(29, 9)), msg(local(30, 8))], [notice(1, local(30, 7))])).toEqual([
      expect.stringMatching(/^day:Friday,? 27 November$/),
      "ada",
      expect.stringMatching(/^day:Saturday,? 28 November$/),
      "ada",
      "day:Yesterday",
      "ada",
      "day:Today",
      "notice",
      "ada",
    ]);
  });

  it("names today, yesterday, a date this year, and a date with its year before that", () => {
    expect(dayLabel(new Date(2026, 10, 30, 0, 0), NOW, "en-GB")).toBe("Today");
    expect(dayLabel(new Date(2026, 10, 29, 23, 59), NOW, "en-GB")).toBe("Yesterday");
    expect(dayLabel(new Date(2026, 0, 5, 12), NOW, "en-GB")).toMatch(/^Monday,? 5 January$/);
    expect(dayLabel(new Date(2025, 11, 31, 12), NOW, "en-GB")).toMatch(/^Wednesday,? 31 December 2025$/);
    // Yesterday across a month's end.
    expect(dayLabel(new Date(2026, 10, 30, 12), new Date(2026, 11, 1, 9), "en-GB")).toBe("Yesterday");
  });
});
