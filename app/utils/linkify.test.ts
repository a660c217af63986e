import { describe, expect, it } from "vitest";
import { linkify } from "./linkify";

const join = (text: string) =>
  linkify(text)
    .map((part) => part.text)
    .join("");

describe("linkify", () => {
  it("gives plain text back as one text part", () => {
    expect(linkify("hello <b>world</b>")).toEqual([{ kind: "text", text: "hello <b>world</b>" }]);
  });

  it("turns http and https addresses into links", () => {
    expect(linkify("see https://example.com/a?b=1 and http://x.org")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: " and " },
      { kind: "link", text: "http://x.org", href: "http://x.org/" },
    ]);
  });

  it("leaves sentence punctuation and unbalanced brackets outside the link", () => {
    const parts = linkify("(docs: https://example.com/x_(y)). Thanks!");
    expect(parts.find((p) => p.kind === "link")?.text).toBe("https://example.com/x_(y)");
    expect(join("(docs: https://example.com/x_(y)). Thanks!")).toBe("(docs: https://example.com/x_(y)). Thanks!");
  });

  it("never links other schemes", () => {
    for (const text of ["javascript:alert(1)", "data:text/html,<script>x</script>", "ftp://example.com", "JaVaScRiPt:alert(1)"]) {
      expect(linkify(text).every((p) => p.kind === "text")).toBe(true);
    }
  });

  it("does not let a quote end the text inside an attribute", () => {
    const link = linkify('https://example.com/"onmouseover="x').find((p) => p.kind === "link");
    expect(link?.text).toBe("https://example.com/");
  });

  it("keeps every character, line breaks included", () => {
    const text = "line one\nhttps://example.com\n\n  indented https://a.b/c. end";
    expect(join(text)).toBe(text);
  });
});
