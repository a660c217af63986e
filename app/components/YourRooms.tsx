"use client";
// A returning person's rooms, first on the home page: an account's from the server,
// a guest's from this browser. Nothing is shown to someone with no rooms yet.
import Link from "next/link";
import { useEffect, useState } from "react";
import type { Identity, RoomUnread } from "@/lib/protocol";
import { localRooms } from "../rooms/local-rooms";
import { getJson } from "../utils/api";

export function YourRooms() {
  const [rooms, setRooms] = useState<Array<{ room: string; unread?: number }>>([]);

  useEffect(() => {
    const abort = new AbortController();
    void (async () => {
      const me = await getJson<{ user: Identity }>("/api/auth/me", abort.signal);
      if (!me.ok) return;
      if (me.data.user.guest) return setRooms(localRooms());
      const mine = await getJson<{ rooms: RoomUnread[] }>("/api/me/rooms", abort.signal);
      if (mine.ok) setRooms(mine.data.rooms);
    })();
    return () => abort.abort();
  }, []);

  if (rooms.length === 0) return null;
  return (
    <section className="live-rooms" aria-labelledby="your-rooms-heading">
      <h2 id="your-rooms-heading">Your rooms</h2>
      <ul className="room-list" data-testid="your-rooms">
        {rooms.map(({ room, unread }) => (
          <li key={room}>
            <Link href={`/rooms/${encodeURIComponent(room)}`} className="room-link">
              <span className="room-link-name">{room}</span>
              {unread ? <span className="badge">{unread > 99 ? "99+" : unread}</span> : null}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
