import { describe, expect, it } from "vitest";
import { emptyOutbox, nextToSend, outboxReducer, type OutboxAction } from "./outbox";

const run = (...actions: OutboxAction[]) => actions.reduce(outboxReducer, emptyOutbox);
const queue = (clientId: string, content = clientId): OutboxAction => ({ type: "queue", clientId, content });

describe("room outbox", () => {
  it("keeps messages in the order written and sends the oldest first, one at a time", () => {
    let items = run(queue("a"), queue("b"));
    expect(nextToSend(items)?.clientId).toBe("a");
    items = outboxReducer(items, { type: "sending", clientId: "a" });
    expect(nextToSend(items)).toBeUndefined();
    items = outboxReducer(items, { type: "delivered", clientIds: ["a"] });
    expect(nextToSend(items)?.clientId).toBe("b");
  });

  it("puts an interrupted send back in line with the same clientId", () => {
    const items = run(queue("a", "hello"), { type: "sending", clientId: "a" }, { type: "retry", clientId: "a" });
    expect(items).toEqual([{ clientId: "a", content: "hello", state: "waiting" }]);
  });

  it("drops every item a pushed list holds, whatever its state", () => {
    const items = run(queue("a"), queue("b"), queue("c"), { type: "sending", clientId: "a" }, {
      type: "delivered",
      clientIds: ["a", undefined, "c", "someone-elses"],
    });
    expect(items.map((item) => item.clientId)).toEqual(["b"]);
  });

  it("keeps a refused message as failed until Retry or Discard, and sends the others meanwhile", () => {
    const error = { code: "invalid_message" as const, message: "Too long." };
    let items = run(queue("a"), queue("b"), { type: "sending", clientId: "a" }, { type: "failed", clientId: "a", error });
    expect(items[0]).toMatchObject({ state: "failed", error });
    expect(nextToSend(items)?.clientId).toBe("b");
    items = outboxReducer(items, { type: "retry", clientId: "a" });
    expect(items[0]).toEqual({ clientId: "a", content: "a", state: "waiting" });
    items = outboxReducer(items, { type: "discard", clientId: "a" });
    expect(items.map((item) => item.clientId)).toEqual(["b"]);
  });

  it("queues a clientId once", () => {
    expect(run(queue("a"), queue("a"))).toHaveLength(1);
  });

  it("puts messages kept from an earlier page first in line, each once, as waiting", () => {
    const items = run(queue("new"), { type: "restore", items: [{ clientId: "old", content: "from before the reload" }, { clientId: "new", content: "new" }] });
    expect(items.map((item) => [item.clientId, item.state])).toEqual([
      ["old", "waiting"],
      ["new", "waiting"],
    ]);
    expect(nextToSend(items)?.content).toBe("from before the reload");
  });
});
