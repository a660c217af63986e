// "gage joined" / "gage left", between the messages.
import type { Notice } from "./timeline";
import { shortTime } from "../../utils/time";

export function NoticeItem({ notice }: { notice: Notice }) {
  return (
    <li className="notice" data-testid="notice">
      <span>
        {notice.username} {notice.kind === "join" ? "joined" : "left"}
      </span>
      <time dateTime={notice.at}>{shortTime(notice.at)}</time>
    </li>
  );
}
