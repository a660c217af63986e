import { describe, expect, it } from "vitest";
import { applyCompletion, findTrigger, matchPeople } from "./autocomplete";

/** The trigger with the caret at "|" in the text. */
const at = (marked: string) => findTrigger(marked.replace("|", ""), marked.indexOf("|"));

describe("what the composer offers to complete", () => {
  it("offers commands while the line is a slash and one word, as before", () => {
    expect(at("/he|")).toEqual({ kind: "command", query: "he", start: 0, end: 3 });
    expect(at("/|")).toEqual({ kind: "command", query: "", start: 0, end: 1 });
    expect(at("/help |")).toBeNull();
  });

  it("offers people after an @ that starts a word, the name so far as the query", () => {
    expect(at("hi @ad|")).toEqual({ kind: "mention", query: "ad", start: 3, end: 6 });
    expect(at("@|")).toEqual({ kind: "mention", query: "", start: 0, end: 1 });
    expect(at("(@gage|")).toEqual({ kind: "mention", query: "gage", start: 1, end: 6 });
    expect(at("mail ada@exa|")).toBeNull();
    expect(at("@@ad|")).toBeNull();
  });

  it("offers emoji after a colon that starts a word, from two letters on", () => {
    expect(at("nice :ta|")).toEqual({ kind: "emoji", query: "ta", start: 5, end: 8 });
    expect(at(":+1|")).toEqual({ kind: "emoji", query: "+1", start: 0, end: 3 });
    expect(at("nice :t|")).toBeNull();
    expect(at("at 10:30|")).toBeNull();
    expect(at("https://ex|")).toBeNull();
    expect(at("smile :)|")).toBeNull();
  });

  it("completes only a word that ends at the caret", () => {
    expect(at("hi @a|da")).toBeNull();
    expect(at("hi @ad| there")).toEqual({ kind: "mention", query: "ad", start: 3, end: 6 });
  });

  it("replaces the typed word with the choice and puts the caret after it", () => {
    const trigger = findTrigger("hi @ad there", 6)!;
    expect(applyCompletion("hi @ad there", trigger, "@ada ")).toEqual({ text: "hi @ada  there", caret: 8 });
    const emoji = findTrigger("yay :tad", 8)!;
    expect(applyCompletion("yay :tad", emoji, "🎉")).toEqual({ text: "yay 🎉", caret: 6 });
  });
});

describe("people offered for @name", () => {
  it("matches the start of names in any case, each name once, shortest first", () => {
    expect(matchPeople(["gage", "Ada", "adalind", "ada", "bob"], "AD")).toEqual(["Ada", "adalind"]);
    expect(matchPeople(["gage", "ada"], "")).toEqual(["ada", "gage"]);
  });

  it("leaves out names a mention cannot name", () => {
    expect(matchPeople(["anne marie", "al", "ann"], "a")).toEqual(["ann"]);
  });
});
