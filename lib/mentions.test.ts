import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findMentions, mentionedNames, mentions } from "./mentions";

describe("mentions", () => {
  it("finds @name anywhere in a sentence, in order, once each, lower-cased", () => {
    expect(mentionedNames("@Ada can you ask @bo_2 and @ADA?")).toEqual(["ada", "bo_2"]);
  });

  it("matches the person's name in any case", () => {
    expect(mentions("thanks @GAGE!", "gage")).toBe(true);
    expect(mentions("thanks @gage!", "Gage")).toBe(true);
    expect(mentions("thanks @gager", "gage")).toBe(false);
  });

  it("ignores an e-mail address and a doubled @", () => {
    expect(mentionedNames("write to ada@example.com or @@bob")).toEqual([]);
  });

  it("ignores names too short or too long to be usernames", () => {
    expect(mentionedNames(`@al @${"a".repeat(33)} @abc`)).toEqual(["abc"]);
  });

  it("ignores mentions inside inline code and fenced blocks", () => {
    expect(mentionedNames("run `npm i @ada/pkg` then ask @bob")).toEqual(["bob"]);
    expect(mentionedNames("```\n@ada\n``` @kim ``@zed`` `")).toEqual(["kim"]);
    expect(mentionedNames("an open fence ``` @ada to the end")).toEqual([]);
  });

  it("treats a lone backtick as text", () => {
    expect(mentionedNames("it's ` fine @ada")).toEqual(["ada"]);
  });

  it("says where each mention is, so a page can render it", () => {
    const content = "hi @Ada, see @kim.";
    expect(findMentions(content).map(({ start, end }) => content.slice(start, end))).toEqual(["@Ada", "@kim"]);
  });

  it("finds every name written as @name between spaces, for any text around it", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_-]{3,32}$/);
    const text = fc.string().map((s) => s.replace(/[`@]/g, ""));
    fc.assert(
      fc.property(text, name, text, (before, who, after) => {
        expect(mentions(`${before} @${who} ${after}`, who.toUpperCase())).toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });

  it("never throws and only gives names of a username's shape, whatever the content", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("@", "`", "a", "B", "_", "-", " ", "1", ".", "é") }), (content) => {
        for (const name of mentionedNames(content)) expect(name).toMatch(/^[a-z0-9_-]{3,32}$/);
      }),
      { numRuns: 10_000 },
    );
  });
});
