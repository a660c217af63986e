// Who is in the room, registered people first.
import type { Identity, Member } from "@/lib/protocol";
import { Avatar } from "./Avatar";

export function MemberList({ members, you }: { members: Member[]; you: Identity | null }) {
  const sorted = [...members].sort((a, b) => Number(a.guest) - Number(b.guest) || a.username.localeCompare(b.username));
  return (
    <ul className="member-list" data-testid="members">
      {sorted.map((member, index) => (
        <li key={`${member.guest ? "g" : "u"}:${member.username}:${index}`} data-testid="member">
          <Avatar name={member.username} />
          <span className="member-name">{member.username}</span>
          {member.guest ? <span className="tag">guest</span> : null}
          {you && you.username === member.username && you.guest === member.guest ? (
            <span className="muted">(you)</span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
