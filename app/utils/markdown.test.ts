// The one-line quotes of replies and pins read a message's first line as people read it.
import { describe, expect, it } from "vitest";
import { plainLine } from "./markdown";

describe("plainLine", () => {
  it("leaves out the inline marks a message is drawn with", () => {
    expect(plainLine("Has anyone tried the **new build**? It feels _much_ faster ~~than the last one~~.")).toBe(
      "Has anyone tried the new build? It feels much faster than the last one.",
    );
    expect(plainLine("see [the notes](https://example.com/notes) and `npm test`")).toBe("see the notes and npm test");
  });

  it("keeps text that is no markup as typed, HTML included", () => {
    expect(plainLine("2 * 3 = 6, <b>not bold</b> and a_b_c")).toBe("2 * 3 = 6, <b>not bold</b> and a_b_c");
  });
});
