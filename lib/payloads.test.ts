// Inbound payloads: well-formed ones come back typed, anything else is answered
// invalid_payload with a sentence a person can act on.
import { describe, expect, it } from "vitest";
import { ChatError } from "./errors";
import { parsePayload, type Payload } from "./payloads";

type Kind = Parameters<typeof parsePayload>[0];

function refusal(kind: Kind, input: unknown): ChatError {
  try {
    parsePayload(kind, input);
  } catch (error) {
    if (error instanceof ChatError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused as a ${kind} payload`);
}

/** A sentence: starts with a capital, ends with a full stop, never dumps an object. */
const SENTENCE = /^[A-Z][^\n]*\.$/;

describe("well-formed payloads", () => {
  it("gives back a join with its room", () => {
    expect(parsePayload("room", { room: "lobby" })).toEqual({ room: "lobby" });
  });

  it("gives back a send with its room, content and clientId", () => {
    const payload: Payload<"send"> = parsePayload("send", { room: "lobby", content: "hi", clientId: "c-1" });
    expect(payload).toEqual({ room: "lobby", content: "hi", clientId: "c-1" });
  });

  it("accepts a send without a clientId", () => {
    expect(parsePayload("send", { room: "lobby", content: "hi" })).toEqual({ room: "lobby", content: "hi" });
  });

  it("drops fields the contract does not know, such as a forged author", () => {
    expect(parsePayload("send", { room: "lobby", content: "hi", username: "admin", guest: false })).toEqual({
      room: "lobby",
      content: "hi",
    });
  });

  it("accepts a guest request with or without a name", () => {
    expect(parsePayload("guest", {})).toEqual({});
    expect(parsePayload("guest", { name: "kim" })).toEqual({ name: "kim" });
  });

  it("treats a __proto__ key in a parsed JSON body as an unknown field", () => {
    const body: unknown = JSON.parse('{"room":"lobby","__proto__":{"polluted":true}}');
    const payload = parsePayload("room", body);
    expect(payload).toEqual({ room: "lobby" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("malformed payloads", () => {
  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a string", "lobby"],
    ["a number", 42],
    ["an array", [{ room: "lobby" }]],
    ["a function", () => ({ room: "lobby" })],
  ])("refuses %s instead of an object as invalid_payload", (_, input) => {
    const error = refusal("room", input);
    expect(error.code).toBe("invalid_payload");
    expect(error.message).toMatch(SENTENCE);
  });

  it("refuses a join without a room and names the missing field", () => {
    const error = refusal("room", {});
    expect(error.code).toBe("invalid_payload");
    expect(error.message).toMatch(SENTENCE);
    expect(error.message).toContain("(room)");
  });

  it("refuses a send without content and names the missing field", () => {
    const error = refusal("send", { room: "lobby" });
    expect(error.code).toBe("invalid_payload");
    expect(error.message).toContain("(content)");
  });

  it("refuses credentials without a password and names the missing field", () => {
    const error = refusal("credentials", { username: "gage" });
    expect(error.code).toBe("invalid_payload");
    expect(error.message).toContain("(password)");
  });

  it.each([
    ["room", { room: 5 }, "room"],
    ["room", { room: { name: "lobby" } }, "room"],
    ["send", { room: "lobby", content: ["hi"] }, "content"],
    ["send", { room: "lobby", content: "hi", clientId: 7 }, "clientId"],
    ["post", { content: null }, "content"],
    ["credentials", { username: "gage", password: 12345678 }, "password"],
    ["guest", { name: false }, "name"],
  ] as const)("refuses a %s payload with a field of the wrong type (%j)", (kind, input, field) => {
    const error = refusal(kind, input);
    expect(error.code).toBe("invalid_payload");
    expect(error.message).toMatch(SENTENCE);
    expect(error.message).toContain(`(${field})`);
  });

  it("refuses an empty clientId", () => {
    expect(refusal("send", { room: "lobby", content: "hi", clientId: "" }).code).toBe("invalid_payload");
  });

  it("refuses a clientId longer than 128 characters", () => {
    expect(refusal("send", { room: "lobby", content: "hi", clientId: "c".repeat(129) }).code).toBe("invalid_payload");
  });

  // Guards a past bug: size caps here answered invalid_payload where the contract says
  // invalid_room / invalid_message; lengths are for lib/names.ts to judge.
  it("leaves long rooms and contents to the name and content rules", () => {
    expect(parsePayload("room", { room: "a".repeat(300) }).room).toHaveLength(300);
    expect(parsePayload("send", { room: "lobby", content: "a".repeat(20_001) }).content).toHaveLength(20_001);
  });
});
