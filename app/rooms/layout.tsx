// Every room page shares this frame: the person's rooms stay beside the room shown,
// with one watching connection kept across switches (a layout is not re-rendered on
// navigation between its pages).
import type { ReactNode } from "react";
import { RoomsSidebar } from "./RoomsSidebar";

export default function RoomsLayout({ children }: { children: ReactNode }) {
  return (
    <div className="rooms-shell">
      <RoomsSidebar />
      <div className="rooms-main">{children}</div>
    </div>
  );
}
