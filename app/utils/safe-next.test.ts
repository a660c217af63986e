import { describe, expect, it } from "vitest";
import { safeNextPath } from "./safe-next";

describe("safeNextPath", () => {
  it("keeps a path on this site, with its query", () => {
    expect(safeNextPath("/rooms/lobby?x=1")).toBe("/rooms/lobby?x=1");
  });

  it("sends anything else home", () => {
    for (const next of [undefined, "", "rooms", "//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)"]) {
      expect(safeNextPath(next)).toBe("/");
    }
  });

  it("reads the first of repeated parameters", () => {
    expect(safeNextPath(["/a", "/b"])).toBe("/a");
  });
});
