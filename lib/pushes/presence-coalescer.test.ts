import { describe, expect, it } from "vitest";
import type { Member } from "../protocol";
import type { Publish } from "./push-bus";
import { coalescePresence, MS_PER_MEMBER } from "./presence-coalescer";

const tick = () => new Promise((resolve) => setImmediate(resolve));
const member = (username: string): Member => ({ username, guest: true });
const people = (count: number) => ({ room: "a", members: Array.from({ length: count }, (_, n) => member(`p${n}`)) });
const sizes = (pushes: Array<{ payload: unknown }>) => pushes.map(({ payload }) => (payload as { members: Member[] }).members.length);

function recorder() {
  const pushes: Array<{ topic: string; event: string; payload: unknown }> = [];
  const publish: Publish = (topic, event, payload) => void pushes.push({ topic, event, payload });
  return { pushes, publish: coalescePresence(publish) };
}

describe("member-list pushes", () => {
  // Guards issue 16: each of 1,000 rejoining pages pushed the member list to its room.
  it("go out once per room per tick, holding the newest list", async () => {
    const { pushes, publish } = recorder();
    for (let i = 1; i <= 20; i += 1) {
      publish("room:a", "room:presence", { room: "a", members: Array.from({ length: i }, (_, n) => member(`p${n}`)) });
      publish("room:b", "room:presence", { room: "b", members: [member(`q${i}`)] });
    }
    expect(pushes).toEqual([]);
    await tick();
    expect(pushes.map(({ topic, payload }) => [topic, (payload as { members: Member[] }).members.length])).toEqual([
      ["room:a", 20],
      ["room:b", 1],
    ]);
    expect((pushes[1]!.payload as { members: Member[] }).members).toEqual([member("q20")]);
  });

  it("lets every other push through at once and in order, notices each on its own", () => {
    const { pushes, publish } = recorder();
    publish("room:a", "room:notice", { room: "a", kind: "join", username: "ann", at: "t" });
    publish("room:a", "room:notice", { room: "a", kind: "join", username: "bob", at: "t" });
    publish("room:a", "room:messages", { room: "a", messages: [], seq: 0 });
    expect(pushes.map(({ event }) => event)).toEqual(["room:notice", "room:notice", "room:messages"]);
  });

  it("drops a pending member list of a room deleted in the same tick", async () => {
    const { pushes, publish } = recorder();
    publish("room:a", "room:presence", { room: "a", members: [member("ann")] });
    publish("room:a", "room:deleted", { room: "a" });
    await tick();
    expect(pushes.map(({ event }) => event)).toEqual(["room:deleted"]);
  });

  // Guards issue 14: over four nodes each join lands in a tick of its own, and 1,000
  // people joining one room sent each member 7 MB of lists, cutting them off as slow.
  it("space a big room's lists out by its size, then send the newest", async () => {
    const { pushes, publish } = recorder();
    publish("room:a", "room:presence", people(500));
    await tick();
    const firstAt = Date.now();
    publish("room:a", "room:presence", people(501));
    await tick();
    publish("room:a", "room:presence", people(502));
    await tick();
    expect(sizes(pushes)).toEqual([500]);
    await expect.poll(() => sizes(pushes)).toEqual([500, 502]);
    expect(Date.now() - firstAt).toBeGreaterThanOrEqual(500 * MS_PER_MEMBER - 10);
  });

  it("send a small room's lists tick after tick", async () => {
    const { pushes, publish } = recorder();
    publish("room:a", "room:presence", people(2));
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 5));
    publish("room:a", "room:presence", people(3));
    await tick();
    expect(sizes(pushes)).toEqual([2, 3]);
  });

  it("drop a held list of a room that is deleted", async () => {
    const { pushes, publish } = recorder();
    publish("room:a", "room:presence", people(300));
    await tick();
    publish("room:a", "room:presence", people(301));
    publish("room:a", "room:deleted", { room: "a" });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(pushes.map(({ event }) => event)).toEqual(["room:presence", "room:deleted"]);
  });
});
