import { describe, expect, it } from "vitest";
import { withoutBidiControls } from "./bidi";

describe("link text without bidi controls", () => {
  // Guards issue 16: "…/files/\u202Egnp.exe" displayed as "…/files/exe.png".
  it("drops overrides, embeddings, isolates and marks, so a link reads in the order it goes", () => {
    expect(withoutBidiControls("https://example.com/files/\u202egnp.exe")).toBe("https://example.com/files/gnp.exe");
    expect(withoutBidiControls("a\u202ab\u202bc\u202cd\u202de\u2066f\u2067g\u2068h\u2069i\u200ej\u200fk\u061cl")).toBe("abcdefghijkl");
  });

  it("keeps right-to-left letters and every other character", () => {
    expect(withoutBidiControls("https://example.com/שלום/مرحبا?q=1#x")).toBe("https://example.com/שלום/مرحبا?q=1#x");
  });
});
