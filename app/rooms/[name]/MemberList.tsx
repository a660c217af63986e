// Who is in the room, registered people first.
import { samePerson, type Identity, type Member } from "@/lib/protocol";
import { Avatar } from "./Avatar";
import { PersonTag } from "./PersonTag";

export function MemberList({ members, you }: { members: Member[]; you: Identity | null }) {
  const sorted = [...members].sort((a, b) => Number(a.guest) - Number(b.guest) || a.username.localeCompare(b.username));
  return (
    <ul className="member-list" data-testid="members">
      {sorted.map((member, index) => (
        <li key={`${member.guest ? "g" : "u"}:${member.username}:${member.tag ?? ""}:${index}`} data-testid="member">
          <Avatar name={member.username} />
          <span className="member-name" dir="auto">
            {member.username}
          </span>
          <PersonTag identity={member} />
          {member.guest ? <span className="tag">guest</span> : null}
          {you && samePerson(you, member) ? (
            <span className="muted">(you)</span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
