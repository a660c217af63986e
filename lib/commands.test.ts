// Slash commands as both the composer and the terminal client read them.
import { describe, expect, it } from "vitest";
import { completeCommand, parseCommand, parseDuration } from "./commands";

describe("parseCommand", () => {
  it("sends ordinary text as it is, and //x as /x", () => {
    expect(parseCommand("hello /there")).toEqual({ kind: "send", content: "hello /there" });
    expect(parseCommand("//shrug")).toEqual({ kind: "send", content: "/shrug" });
  });

  it("reads /me, /nick, /topic and /help", () => {
    expect(parseCommand("/me waves")).toEqual({ kind: "me", content: "* waves" });
    expect(parseCommand("/nick Zed")).toEqual({ kind: "nick", name: "Zed" });
    expect(parseCommand("/topic Launch  day")).toEqual({ kind: "topic", topic: "Launch  day" });
    expect(parseCommand("/help")).toMatchObject({ kind: "help", text: expect.stringContaining("/ban name [duration] [reason]") });
  });

  it("reads moderation with names, durations and reasons", () => {
    expect(parseCommand("/kick kim too loud")).toEqual({ kind: "moderate", action: "kick", username: "kim", reason: "too loud" });
    expect(parseCommand("/ban kim 2h spam links")).toEqual({ kind: "moderate", action: "ban", username: "kim", durationS: 7200, reason: "spam links" });
    expect(parseCommand("/ban kim spam")).toEqual({ kind: "moderate", action: "ban", username: "kim", reason: "spam" });
    expect(parseCommand("/OP kim")).toEqual({ kind: "moderate", action: "promote", username: "kim" });
    expect(parseCommand("/deop kim")).toEqual({ kind: "moderate", action: "demote", username: "kim" });
    for (const action of ["unban", "mute", "unmute", "invite"]) {
      expect(parseCommand(`/${action} kim`)).toEqual({ kind: "moderate", action, username: "kim" });
    }
  });

  it("says so for an unknown command or a wrong use, and sends nothing", () => {
    expect(parseCommand("/dance now")).toEqual({ kind: "error", message: "Unknown command /dance; type /help for the list. Nothing was sent." });
    expect(parseCommand("/kick")).toEqual({ kind: "error", message: "Usage: /kick name [reason]" });
    expect(parseCommand("/mute kim now")).toEqual({ kind: "error", message: "Usage: /mute name" });
    expect(parseCommand("/me")).toEqual({ kind: "error", message: "Usage: /me action" });
  });
});

describe("durations and completion", () => {
  it("reads seconds, minutes, hours and days", () => {
    expect([parseDuration("90"), parseDuration("30s"), parseDuration("10m"), parseDuration("7d")]).toEqual([90, 30, 600, 604800]);
    expect([parseDuration("0"), parseDuration("soon"), parseDuration("-5")]).toEqual([undefined, undefined, undefined]);
  });

  it("completes what is typed to the commands it could be", () => {
    expect(completeCommand("/b").map((command) => command.name)).toEqual(["/ban"]);
    expect(completeCommand("/un").map((command) => command.name)).toEqual(["/unban", "/unmute"]);
    expect(completeCommand("/ban kim")).toEqual([]);
    expect(completeCommand("hello")).toEqual([]);
  });
});

describe("conversation commands", () => {
  it("reads /reply, /edit, /delete and /react with a message's seq (a # in front is fine)", () => {
    expect(parseCommand("/reply 12 see you there")).toEqual({ kind: "reply", seq: 12, content: "see you there" });
    expect(parseCommand("/edit #3 fixed   spacing kept")).toEqual({ kind: "edit", seq: 3, content: "fixed   spacing kept" });
    expect(parseCommand("/delete 7")).toEqual({ kind: "delete", seq: 7 });
    expect(parseCommand("/react 7 👍")).toEqual({ kind: "react", seq: 7, emoji: "👍" });
  });

  it("answers the usage for a missing or bad seq, or missing text, and sends nothing", () => {
    for (const typed of ["/reply", "/reply 3", "/reply x hi", "/edit 0 hi", "/delete", "/delete 2 3", "/react 2", "/react -1 👍"]) {
      expect(parseCommand(typed).kind, typed).toBe("error");
    }
    expect(parseCommand("/react 2")).toEqual({ kind: "error", message: "Usage: /react seq emoji" });
  });
});
