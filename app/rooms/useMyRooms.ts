// The person's rooms with their unread and mention counts, kept live by one small
// connection that watches them (`rooms:watch`, then a `room:activity` per message):
// the full lists come only to the room the page shows. An account's rooms and read
// markers are on the server (shared by its devices: `room:read` pushes clear a badge
// read elsewhere); a guest's are in this browser.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { io, type Socket } from "socket.io-client";
import { ACK_TIMEOUT_MS } from "@/lib/client-policy";
import type { ClientToServerEvents, Identity, NotifyLevel, RoomActivityPush, RoomUnread, ServerToClientEvents } from "@/lib/protocol";
import { getJson, sendJson } from "../utils/api";
import { localReadMarker, localRooms, saveLocalRooms } from "./local-rooms";

type WatchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface MyRoom extends RoomUnread {
  notify: NotifyLevel;
}

export interface MyRooms {
  rooms: MyRoom[];
  you: Identity | null;
  leave(room: string): void;
  setNotify(room: string, notify: NotifyLevel): void;
}

/** Told of each new message in a room the person watches (for notifications). */
export type ActivityListener = (push: RoomActivityPush, room: MyRoom | undefined, own: boolean) => void;

export function useMyRooms(current: string | null, onActivity?: ActivityListener): MyRooms {
  const [you, setYou] = useState<Identity | null>(null);
  const [known, setRooms] = useState<MyRoom[]>([]);
  // The room shown is one of the person's rooms, and is read while shown.
  const rooms = useMemo(() => withCurrent(known, you ? current : null), [known, current, you]);
  const socketRef = useRef<WatchSocket | null>(null);
  const currentRef = useRef(current);
  const activityRef = useRef(onActivity);
  const roomsRef = useRef(rooms);
  useEffect(() => {
    currentRef.current = current;
    activityRef.current = onActivity;
    roomsRef.current = rooms;
  });

  // Who this is, and their list: from the server for an account, from the browser for a guest.
  useEffect(() => {
    const abort = new AbortController();
    void (async () => {
      const me = await getJson<{ user: Identity }>("/api/auth/me", abort.signal);
      if (!me.ok) return;
      setYou(me.data.user);
      if (me.data.user.guest) {
        setRooms(localRooms().map((entry) => ({ ...entry, seq: 0, lastReadSeq: localReadMarker(entry.room), unread: 0, mentions: 0 })));
        return;
      }
      const mine = await getJson<{ rooms: MyRoom[] }>("/api/me/rooms", abort.signal);
      if (mine.ok) setRooms((known) => merge(mine.data.rooms, known));
    })();
    return () => abort.abort();
  }, []);

  // A guest's list lives in this browser.
  useEffect(() => {
    if (you?.guest) saveLocalRooms(rooms.map(({ room, notify }) => ({ room, notify })));
  }, [rooms, you]);

  const names = rooms.map((entry) => entry.room).join("\n");

  const watch = useCallback(async () => {
    const socket = socketRef.current;
    const wanted = names === "" ? [] : names.split("\n");
    if (!socket?.connected) return;
    if (you?.guest) {
      // A guest's markers are in this browser: the connection learns them first.
      for (const room of wanted) {
        const seq = localReadMarker(room);
        if (seq > 0) socket.emit("room:read", { room, seq }, () => {});
      }
    }
    const reply = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck("rooms:watch", { rooms: wanted }).catch(() => null);
    if (!reply?.ok) return;
    const counts = new Map(reply.rooms.map((entry: RoomUnread) => [entry.room, entry]));
    setRooms((known) =>
      known.map((entry) => {
        const counted = counts.get(entry.room);
        if (!counted) return entry;
        const shown = entry.room === currentRef.current;
        return { ...entry, ...counted, notify: entry.notify, ...(shown ? { unread: 0, mentions: 0 } : {}) };
      }),
    );
  }, [names, you]);
  const watchRef = useRef(watch);

  // One connection for the whole visit: it survives switching rooms (this hook lives in the layout).
  useEffect(() => {
    if (!you) return;
    const socket: WatchSocket = io({ withCredentials: true, transports: ["websocket", "polling"], tryAllTransports: true });
    socketRef.current = socket;
    socket.on("room:activity", (push) => {
      const own = push.username.toLowerCase() === you.username.toLowerCase();
      activityRef.current?.(push, roomsRef.current.find((candidate) => candidate.room === push.room), own);
      setRooms((known) => {
        const shown = push.room === currentRef.current && document.visibilityState === "visible";
        return known.map((candidate) => {
          if (candidate.room !== push.room) return candidate;
          // Activity waits a moment to share a write (server/activity-batches.ts): a message
          // read meanwhile, on another device too, is not news.
          const counts = !own && !shown && push.seq > candidate.lastReadSeq;
          return {
            ...candidate,
            seq: Math.max(candidate.seq, push.seq),
            unread: counts ? candidate.unread + 1 : candidate.unread,
            mentions: counts && push.mention ? candidate.mentions + 1 : candidate.mentions,
          };
        });
      });
    });
    socket.on("room:read", (push) => {
      setRooms((known) =>
        known.map((entry) =>
          entry.room === push.room && push.lastReadSeq >= entry.seq ? { ...entry, lastReadSeq: push.lastReadSeq, unread: 0, mentions: 0 } : entry,
        ),
      );
      // Read part of the way: count again.
      void watchRef.current();
    });
    socket.on("connect", () => void watchRef.current());
    return () => {
      socketRef.current = null;
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [you]);

  useEffect(() => {
    watchRef.current = watch;
    void watch();
  }, [watch]);

  const leave = useCallback(
    (room: string) => {
      setRooms((list) => list.filter((entry) => entry.room !== room));
      if (you && !you.guest) void sendJson("DELETE", `/api/me/rooms/${encodeURIComponent(room)}`);
    },
    [you],
  );

  const setNotify = useCallback(
    (room: string, notify: NotifyLevel) => {
      setRooms((list) => withCurrent(list, room).map((entry) => (entry.room === room ? { ...entry, notify } : entry)));
      if (you && !you.guest) void sendJson("PUT", `/api/me/rooms/${encodeURIComponent(room)}`, { notify });
    },
    [you],
  );

  return { rooms, you, leave, setNotify };
}

function withCurrent(known: MyRoom[], current: string | null): MyRoom[] {
  if (!current) return known;
  if (!known.some((entry) => entry.room === current)) {
    return [...known, { room: current, notify: "mentions", seq: 0, lastReadSeq: 0, unread: 0, mentions: 0 }];
  }
  return known.map((entry) => (entry.room === current ? { ...entry, unread: 0, mentions: 0 } : entry));
}

/** The server's list, plus rooms known here that it does not have yet (the one just opened). */
function merge(server: MyRoom[], known: MyRoom[]): MyRoom[] {
  const listed = new Set(server.map((entry) => entry.room));
  return [...server, ...known.filter((entry) => !listed.has(entry.room))];
}
