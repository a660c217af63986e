import { describe, expect, it } from "vitest";
import { createTurnPacer } from "./turn-pacer";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("the turn pacer", () => {
  it("lets a turn's first pieces of work through at once and the rest in later turns, in arrival order", async () => {
    const pace = createTurnPacer(16);
    const done: number[] = [];
    for (let i = 0; i < 40; i++) pace(() => done.push(i));
    expect(done).toEqual(Array.from({ length: 16 }, (_, i) => i));
    await nextTurn();
    expect(done.length).toBe(32);
    await nextTurn();
    expect(done).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("lets a piece that arrives behind waiting ones wait its turn too", async () => {
    const pace = createTurnPacer(2);
    const done: string[] = [];
    for (const name of ["a", "b", "c"]) pace(() => done.push(name));
    pace(() => done.push("late"));
    expect(done).toEqual(["a", "b"]);
    await nextTurn();
    expect(done).toEqual(["a", "b", "c", "late"]);
  });
});
