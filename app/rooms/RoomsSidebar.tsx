"use client";
// The person's rooms beside the room shown (a drawer at phone width): unread counts,
// a badge for mentions, the total in the tab's title, notifications while hidden.
// Links switch rooms without a full page load; the address stays /rooms/<name>.
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import { notificationsAllowed, shouldNotify, showNotification } from "./notify";
import { useMyRooms, type ActivityListener } from "./useMyRooms";

const TITLE_COUNT = /^\(\d+\+?\) /;

export function RoomsSidebar() {
  const pathname = usePathname();
  const router = useRouter();
  const current = roomOf(pathname);
  // The drawer is open on the page it was opened on: a switch closes it.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn !== null && openOn === pathname;
  const [, setAsked] = useState(0);
  const canNotify = useSyncExternalStore(noSubscription, notificationsAllowed, () => false);

  const onActivity = useCallback<ActivityListener>(
    (push, room, own) => {
      if (!shouldNotify({ hidden: document.visibilityState === "hidden", mention: push.mention, notify: room?.notify ?? "mentions", own })) return;
      const title = push.mention ? `${push.username} mentioned you in #${push.room}` : `${push.username} in #${push.room}`;
      showNotification(title, "Open the room to read it.", () => router.push(`/rooms/${encodeURIComponent(push.room)}#m${push.seq}`));
    },
    [router],
  );
  const { rooms, you, leave, setNotify } = useMyRooms(current, onActivity);

  // The tab's title carries the unread total of the other rooms: "(3) Livechat".
  const total = rooms.reduce((sum, entry) => sum + (entry.room === current ? 0 : entry.unread), 0);
  useEffect(() => {
    const base = document.title.replace(TITLE_COUNT, "");
    document.title = total > 0 ? `(${total > 99 ? "99+" : total}) ${base}` : base;
  }, [total, pathname]);

  async function askForNotifications() {
    if (typeof Notification === "undefined") return;
    await Notification.requestPermission();
    setAsked((count) => count + 1);
  }

  return (
    <>
      <button
        type="button"
        className="button subtle rooms-toggle"
        aria-expanded={open}
        aria-controls="my-rooms"
        onClick={() => setOpenOn(open ? null : pathname)}
      >
        Rooms{total > 0 ? ` (${total > 99 ? "99+" : total})` : ""}
      </button>
      <nav id="my-rooms" className={`rooms-sidebar${open ? " open" : ""}`} aria-label="Your rooms" data-testid="my-rooms">
        <h2 className="members-heading">Your rooms</h2>
        {rooms.length === 0 ? <p className="rooms-empty">Rooms you join appear here.</p> : null}
        <ul className="rooms-list">
          {rooms.map((entry) => (
            <li key={entry.room} className={entry.room === current ? "current" : undefined} data-testid="my-room" data-room={entry.room}>
              <Link href={`/rooms/${encodeURIComponent(entry.room)}`} aria-current={entry.room === current ? "page" : undefined}>
                <span className="rooms-name">#{entry.room}</span>
                {entry.mentions > 0 ? (
                  <span className="badge mention" data-testid="mention-badge" aria-label={`${entry.mentions} mentioning you`}>
                    @{entry.mentions}
                  </span>
                ) : null}
                {entry.unread > 0 ? (
                  <span className="badge" data-testid="unread-badge" aria-label={`${entry.unread} unread`}>
                    {entry.unread > 99 ? "99+" : entry.unread}
                  </span>
                ) : null}
              </Link>
              <span className="rooms-actions">
                <label title="Notify on every message">
                  <input
                    type="checkbox"
                    checked={entry.notify === "all"}
                    onChange={(event) => setNotify(entry.room, event.target.checked ? "all" : "mentions")}
                  />
                  <span className="sr-only">Notify on every message in {entry.room}</span>
                </label>
                {entry.room !== current ? (
                  <button type="button" className="link-button" aria-label={`Remove ${entry.room} from your rooms`} onClick={() => leave(entry.room)}>
                    ×
                  </button>
                ) : null}
              </span>
            </li>
          ))}
        </ul>
        {you && !canNotify ? (
          <button type="button" className="button subtle rooms-notify" onClick={askForNotifications}>
            Notify me of mentions
          </button>
        ) : null}
      </nav>
    </>
  );
}

function noSubscription(): () => void {
  return () => {};
}

function roomOf(pathname: string | null): string | null {
  const match = /^\/rooms\/([^/]+)/.exec(pathname ?? "");
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}
