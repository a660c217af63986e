// The policy the room page and the terminal client share: how a refusal is read
// from a handshake error, and when a refused join is tried again.
import { describe, expect, it } from "vitest";
import { errorBodyOf, joinRetryDelayMs } from "./client-policy";

describe("reading a handshake refusal", () => {
  it("reads the contract's { code, message }", () => {
    expect(errorBodyOf({ code: "name_taken", message: "That name is taken." })).toEqual({
      code: "name_taken",
      message: "That name is taken.",
    });
  });

  it("keeps a code this client does not know yet, for its message", () => {
    expect(errorBodyOf({ code: "a_future_code", message: "Something new." })).toEqual({
      code: "a_future_code",
      message: "Something new.",
    });
  });

  // Guards a past disagreement: the page took a body without a code for a refusal.
  it("does not take a body without a code for a refusal", () => {
    expect(errorBodyOf({ message: "xhr poll error" })).toBeNull();
    expect(errorBodyOf({ code: 42, message: "not a code" })).toBeNull();
  });

  it.each([
    ["no data (a network failure)", undefined],
    ["null", null],
    ["a string", "refused"],
    ["a code without a message", { code: "unauthorized" }],
  ])("finds no refusal in %s", (_, data) => {
    expect(errorBodyOf(data)).toBeNull();
  });
});

describe("trying a refused join again", () => {
  const unavailable = { code: "room_unavailable", message: "The room is restarting." } as const;

  it("waits longer before each of three more attempts while the room restarts", () => {
    expect([0, 1, 2].map((attempt) => joinRetryDelayMs(unavailable, attempt))).toEqual([250, 500, 750]);
  });

  it("stops retrying at once after the third retry", () => {
    expect(joinRetryDelayMs(unavailable, 3)).toBeUndefined();
  });

  it.each(["invalid_room", "name_taken", "unauthorized", "rate_limited"] as const)("does not retry a join refused as %s", (code) => {
    expect(joinRetryDelayMs({ code, message: "No." }, 0)).toBeUndefined();
  });
});
