// A guest's tag after its name (`anon·4821`), so two guests of one name are two people.
import type { Identity } from "@/lib/protocol";

export function PersonTag({ identity }: { identity: Identity }) {
  if (!identity.guest || identity.tag === undefined) return null;
  return (
    <span className="person-tag" data-testid="person-tag" title="Guests of one name are told apart by this tag">
      {`\u00b7${identity.tag}`}
    </span>
  );
}
