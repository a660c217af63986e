import { describe, expect, it } from "vitest";
import { auditText, durationText } from "./audit-text";

const at = "2026-11-30T16:00:00.000Z";

describe("the audit log in words", () => {
  it("words settings changes as the room's notices do", () => {
    expect(auditText({ at, by: "ada", action: "configure", detail: "topic Launch day" })).toBe('ada set the topic to "Launch day"');
    expect(auditText({ at, by: "ada", action: "configure", detail: "topic " })).toBe("ada cleared the topic");
    expect(auditText({ at, by: "ada", action: "configure", detail: "visibility private" })).toBe("ada made the room private");
    expect(auditText({ at, by: "ada", action: "configure", detail: "readOnly true" })).toBe("ada made the room read-only");
    expect(auditText({ at, by: "ada", action: "configure", detail: "slowModeS 30" })).toBe("ada set slow mode to one message every 30 s");
    expect(auditText({ at, by: "ada", action: "configure", detail: "slowModeS 0" })).toBe("ada turned slow mode off");
  });

  it("words moderation with its length and reason", () => {
    expect(auditText({ at, by: "kim", action: "ban", username: "troll", durationS: 600, reason: "spam" })).toBe("kim banned troll for 10 minutes (spam)");
    expect(auditText({ at, by: "kim", action: "ban", username: "troll" })).toBe("kim banned troll");
    expect(auditText({ at, by: "kim", action: "kick", username: "troll", reason: "too loud" })).toBe("kim removed troll from the room (too loud)");
    expect(auditText({ at, by: "ada", action: "promote", username: "kim" })).toBe("ada made kim a moderator");
    expect(auditText({ at, by: "lee", action: "join by invite" })).toBe("lee joined with an invite link");
  });

  it("keeps an action it does not know readable", () => {
    expect(auditText({ at, by: "ada", action: "archive", username: "x", detail: "y" })).toBe("ada archive x y");
  });

  it("gives durations in whole units where they fit", () => {
    expect([60, 90, 3600, 7200, 86_400, 604_800, 1].map(durationText)).toEqual(["1 minute", "90 s", "1 hour", "2 hours", "1 day", "7 days", "1 s"]);
  });
});
