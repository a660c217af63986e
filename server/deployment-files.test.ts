// The deployment shown to operators is the one `npm run cluster` runs: the nginx
// configuration in docs/scaling.md is the text server/nginx.ts writes, so an
// operator who copies it gets what the load-balancer test checked.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { siteConfig } from "./nginx";
import { PROJECT_DIR } from "./pages";

const read = (file: string) => readFileSync(path.join(PROJECT_DIR, file), "utf8");

/** The fenced blocks of `language` in a Markdown text. */
function fenced(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1]!);
}

describe("docs/scaling.md", () => {
  it("shows the nginx configuration npm run cluster runs, for real hosts", () => {
    const shown = fenced(read("docs/scaling.md"), "nginx");
    expect(shown).toHaveLength(1);
    const upstreams = [...shown[0]!.matchAll(/^ {2}server (\S+);$/gm)].map((match) => match[1]!);
    expect(upstreams.length).toBeGreaterThan(1);
    expect(shown[0]).toBe(siteConfig({ listen: "80", upstreams }));
  });
});
