import { describe, expect, it } from "vitest";
import { typingLine } from "./typing-line";

describe("the typing line", () => {
  it("names one or two people, and says several beyond that", () => {
    expect(typingLine(["Ada"], "kim")).toBe("Ada is typing…");
    expect(typingLine(["Ada", "Bo"], "kim")).toBe("Ada and Bo are typing…");
    expect(typingLine(["Ada", "Bo", "Cy"], "kim")).toBe("Several people are typing…");
  });

  it("never tells you that you are typing, and says nothing when nobody else is", () => {
    expect(typingLine(["kim"], "Kim")).toBe("");
    expect(typingLine(["Kim", "Ada"], "kim")).toBe("Ada is typing…");
    expect(typingLine([], undefined)).toBe("");
  });
});
