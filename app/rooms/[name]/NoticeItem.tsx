// "gage joined" / "gage left", or what a keeper did ("ada set the topic to …"), between the messages.
import type { Notice } from "./timeline";
import { longTime, shortTime } from "../../utils/time";

export function NoticeItem({ notice }: { notice: Notice }) {
  return (
    <li className="notice" data-testid="notice">
      <span dir="auto">
        {notice.text ?? `${notice.username} ${notice.kind === "join" ? "joined" : "left"}`}
      </span>
      <time dateTime={notice.at} title={longTime(notice.at)}>{shortTime(notice.at)}</time>
    </li>
  );
}
