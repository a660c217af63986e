// The side panel: the room's search, members, and the guest-name form for guests. A heading on
// wide screens; on phones a disclosure button, collapsed to leave room for messages.
import { useId, useState, type ReactNode } from "react";
import type { Identity, Member } from "@/lib/protocol";
import { GuestNameForm } from "./GuestNameForm";
import { MemberList } from "./MemberList";

interface Props {
  members: Member[];
  you: Identity | null;
  onIdentityChanged: () => void;
  /** The room's search box, above the members. */
  search: ReactNode;
  /** The room's pinned messages, under the search box. */
  pinned?: ReactNode;
}

export function RoomAside({ members, you, onIdentityChanged, search, pinned }: Props) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const label = `In the room (${members.length})`;
  return (
    <aside className="room-aside" aria-labelledby={`${id}-heading`}>
      {search}
      {pinned}
      <h2 id={`${id}-heading`} className="members-heading">
        {label}
      </h2>
      <button
        type="button"
        className="members-toggle"
        aria-expanded={open}
        aria-controls={`${id}-body`}
        onClick={() => setOpen((value) => !value)}
      >
        {label}
        <svg className="chevron" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true" focusable="false">
          <path d="M2 4.5 6 8.5 10 4.5" fill="none" stroke="currentColor" strokeWidth="1.75" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      </button>
      <div id={`${id}-body`} className={open ? "aside-body open" : "aside-body"}>
        <MemberList members={members} you={you} />
        {you?.guest ? <GuestNameForm current={you.username} onChanged={onIdentityChanged} /> : null}
      </div>
    </aside>
  );
}
