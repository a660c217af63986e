// The node's one path of pushes: subscribers hear every push, watchers one room's.
import { describe, expect, it } from "vitest";
import { roomTopic } from "../protocol";
import { PushBus, type Push, type RoomPush } from "./push-bus";

const deleted = (room: string) => ({ room });

describe("PushBus", () => {
  it("gives a subscriber every push of every room, in publish order, marked as made here", () => {
    const bus = new PushBus();
    const heard: Push[] = [];
    bus.subscribe((push) => heard.push(push));
    bus.publish(roomTopic("lobby"), "room:deleted", deleted("lobby"));
    bus.publish(roomTopic("kitchen"), "room:deleted", deleted("kitchen"));
    expect(heard).toEqual([
      { topic: "room:lobby", event: "room:deleted", payload: { room: "lobby" }, remote: false },
      { topic: "room:kitchen", event: "room:deleted", payload: { room: "kitchen" }, remote: false },
    ]);
  });

  it("marks a relayed push as made on another node", () => {
    const bus = new PushBus();
    const heard: Push[] = [];
    bus.subscribe((push) => heard.push(push));
    bus.relay(roomTopic("lobby"), "room:deleted", deleted("lobby"));
    expect(heard.map((push) => push.remote)).toEqual([true]);
  });

  it("gives a watcher only its room's pushes, and nothing once it stops watching", () => {
    const bus = new PushBus();
    const heard: RoomPush[] = [];
    const stop = bus.watch("lobby", (push) => heard.push(push));
    bus.publish(roomTopic("kitchen"), "room:deleted", deleted("kitchen"));
    bus.relay(roomTopic("lobby"), "room:deleted", deleted("lobby"));
    stop();
    bus.publish(roomTopic("lobby"), "room:deleted", deleted("lobby"));
    expect(heard).toEqual([{ event: "room:deleted", payload: { room: "lobby" } }]);
  });

  it("counts watchers per room and in all, and forgets a room nobody watches", () => {
    const bus = new PushBus();
    const stops = [bus.watch("lobby", () => {}), bus.watch("lobby", () => {}), bus.watch("kitchen", () => {})];
    expect([bus.watcherCount("lobby"), bus.watcherCount(), bus.isWatched("kitchen")]).toEqual([2, 3, true]);
    stops[2]!();
    stops[2]!();
    expect([bus.watcherCount("kitchen"), bus.watcherCount(), bus.isWatched("kitchen")]).toEqual([0, 2, false]);
  });

  it("lets a watcher stop watching while a push is delivered, without skipping the others", () => {
    const bus = new PushBus();
    const heard: string[] = [];
    const stopFirst = bus.watch("lobby", () => {
      heard.push("first");
      stopFirst();
    });
    bus.watch("lobby", () => heard.push("second"));
    bus.publish(roomTopic("lobby"), "room:deleted", deleted("lobby"));
    bus.publish(roomTopic("lobby"), "room:deleted", deleted("lobby"));
    expect(heard).toEqual(["first", "second", "second"]);
  });
});
