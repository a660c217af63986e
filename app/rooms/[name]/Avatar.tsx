// A calm coloured initial, so authors are easy to tell apart at a glance.
import type { CSSProperties } from "react";

export function Avatar({ name }: { name: string }) {
  const style = { "--hue": hue(name) } as CSSProperties;
  return (
    <span className="avatar" style={style} aria-hidden="true">
      {Array.from(name)[0]?.toUpperCase() ?? "?"}
    </span>
  );
}

function hue(name: string): number {
  let hash = 0;
  for (const char of name.toLowerCase()) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % 360;
}
