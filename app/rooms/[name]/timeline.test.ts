import { describe, expect, it } from "vitest";
import type { Message } from "@/lib/protocol";
import { timeline, type Notice } from "./timeline";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const msg = (seq: number, s: number): Message => ({ id: `${seq}`, room: "r", seq, username: "u", guest: false, content: "", sentAt: at(s) });
const notice = (id: number, s: number): Notice => ({ id, room: "r", kind: "join", username: "g", at: at(s) });

describe("timeline", () => {
  it("puts notices between messages by time", () => {
    const keys = timeline([msg(1, 1), msg(2, 5)], [notice(1, 0), notice(2, 3), notice(3, 9)]).map((i) => i.key);
    expect(keys).toEqual(["n1", "m1", "n2", "m2", "n3"]);
  });
});
