import { describe, expect, it } from "vitest";
import { shouldNotify } from "./notify";

describe("when a message notifies", () => {
  it("notifies a mention only while the page is hidden, and never for your own message", () => {
    expect(shouldNotify({ hidden: true, mention: true, notify: "mentions", own: false })).toBe(true);
    expect(shouldNotify({ hidden: false, mention: true, notify: "mentions", own: false })).toBe(false);
    expect(shouldNotify({ hidden: true, mention: true, notify: "all", own: true })).toBe(false);
  });

  it("notifies every message of a room set to all, and no plain message otherwise", () => {
    expect(shouldNotify({ hidden: true, mention: false, notify: "all", own: false })).toBe(true);
    expect(shouldNotify({ hidden: true, mention: false, notify: "mentions", own: false })).toBe(false);
  });
});
