// One line of a room's audit log as a sentence a keeper reads ("kim banned troll for
// 10 minutes (spam)"), for the settings panel's audit tab. The log itself keeps the
// facts (action, detail such as "slowModeS 30"); this only words them.
import type { AuditLine } from "../protocol";

const UNITS: Array<[seconds: number, one: string]> = [
  [86_400, "day"],
  [3600, "hour"],
  [60, "minute"],
];

/** 600 -> "10 minutes", 90 -> "90 s": whole units where they fit. */
export function durationText(seconds: number): string {
  for (const [size, one] of UNITS) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size;
      return `${count} ${one}${count === 1 ? "" : "s"}`;
    }
  }
  return `${seconds} s`;
}

/** What a settings change did, from its audit detail ("topic Launch", "readOnly true"). */
function settingText(detail: string): string {
  const space = detail.indexOf(" ");
  const field = space === -1 ? detail : detail.slice(0, space);
  const value = space === -1 ? "" : detail.slice(space + 1);
  switch (field) {
    case "topic":
      return value === "" ? "cleared the topic" : `set the topic to "${value}"`;
    case "visibility":
      return `made the room ${value}`;
    case "readOnly":
      return value === "true" ? "made the room read-only" : "opened the room to everyone's messages";
    case "slowModeS":
      return value === "0" ? "turned slow mode off" : `set slow mode to one message every ${durationText(Number(value))}`;
    default:
      return `changed ${detail}`;
  }
}

function actionText(line: AuditLine): string {
  const who = line.username ?? "someone";
  switch (line.action) {
    case "configure":
      return settingText(line.detail ?? "");
    case "kick":
      return `removed ${who} from the room`;
    case "ban":
      return `banned ${who}${line.durationS !== undefined ? ` for ${durationText(line.durationS)}` : ""}`;
    case "unban":
      return `lifted the ban on ${who}`;
    case "mute":
      return `muted ${who}`;
    case "unmute":
      return `unmuted ${who}`;
    case "promote":
      return `made ${who} a moderator`;
    case "demote":
      return `took away ${who}'s moderator role`;
    case "invite":
      return `invited ${who}`;
    case "join by invite":
      return "joined with an invite link";
    default:
      return [line.action, line.username, line.detail].filter(Boolean).join(" ");
  }
}

export function auditText(line: AuditLine): string {
  return `${line.by} ${actionText(line)}${line.reason ? ` (${line.reason})` : ""}`;
}
