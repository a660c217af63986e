"use client";
// The rooms people are in right now, refreshed every few seconds.
import Link from "next/link";
import { useEffect, useState } from "react";
import type { RoomSummary } from "@/lib/protocol";
import { getJson } from "../utils/api";

const REFRESH_MS = 5_000;
/** The busiest rooms only: a node may hold thousands. */
const SHOWN = 20;

export function LiveRooms() {
  const [rooms, setRooms] = useState<RoomSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function load() {
      const result = await getJson<{ rooms: RoomSummary[] }>("/api/rooms", abort.signal);
      if (abort.signal.aborted) return;
      if (result.ok) {
        setRooms(sortRooms(result.data.rooms).slice(0, SHOWN));
        setError(null);
      } else {
        setError(result.error.message);
      }
      timer = setTimeout(load, REFRESH_MS);
    }
    void load();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, []);

  return (
    <section className="live-rooms" aria-labelledby="live-rooms-heading">
      <h2 id="live-rooms-heading">Live rooms</h2>
      {error ? <p className="muted">{error}</p> : null}
      {rooms === null ? (
        error ? null : <p className="muted">Looking for rooms…</p>
      ) : rooms.length === 0 ? (
        <p className="empty">Nobody is chatting right now. Name a room above to start one.</p>
      ) : (
        <ul className="room-list" data-testid="live-rooms">
          {rooms.map((room) => (
            <li key={room.name}>
              <Link href={`/rooms/${encodeURIComponent(room.name)}`} className="room-link">
                <span className="room-link-name">{room.name}</span>
                <span className={room.members > 0 ? "room-link-count" : "room-link-count idle"}>{room.members} online</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function sortRooms(rooms: RoomSummary[]): RoomSummary[] {
  return [...rooms].sort(
    (a, b) => b.members - a.members || (b.lastActivity ?? "").localeCompare(a.lastActivity ?? "") || a.name.localeCompare(b.name),
  );
}
