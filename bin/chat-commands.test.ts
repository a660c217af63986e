import { describe, expect, it } from "vitest";
import { parseLine } from "./chat-commands";

describe("terminal client commands", () => {
  it("reads /rooms, /join NAME and /switch NAME", () => {
    expect(parseLine("/rooms")).toEqual({ kind: "rooms" });
    expect(parseLine("/join  kitchen ")).toEqual({ kind: "join", room: "kitchen" });
    expect(parseLine("/SWITCH lobby")).toEqual({ kind: "switch", room: "lobby" });
  });

  it("sends anything else as a message, and //text as /text", () => {
    expect(parseLine("hello /rooms")).toEqual({ kind: "message", content: "hello /rooms" });
    expect(parseLine("//shrug")).toEqual({ kind: "message", content: "/shrug" });
  });

  it("answers an unknown or incomplete command with the help", () => {
    expect(parseLine("/dance")).toEqual({ kind: "help" });
    expect(parseLine("/join")).toEqual({ kind: "help" });
  });
});
