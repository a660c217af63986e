import { describe, expect, it } from "vitest";
import { parseChatArgs, UsageError } from "./chat-args";

describe("livechat chat's command line", () => {
  it("talks to http://localhost:3000 unless --url or LIVECHAT_URL says otherwise", () => {
    expect(parseChatArgs(["lobby"]).url.href).toBe("http://localhost:3000/");
    expect(parseChatArgs(["lobby"], { LIVECHAT_URL: "" }).url.href).toBe("http://localhost:3000/");
    expect(parseChatArgs(["lobby"], { LIVECHAT_URL: "https://chat.example" }).url.href).toBe("https://chat.example/");
    expect(parseChatArgs(["lobby", "--url", "http://h:1"], { LIVECHAT_URL: "https://chat.example" }).url.href).toBe(
      "http://h:1/",
    );
  });

  it("takes a guest name or a login, not both", () => {
    expect(parseChatArgs(["lobby", "--name", "bob"])).toMatchObject({ room: "lobby", name: "bob" });
    expect(parseChatArgs(["lobby", "--login=gage"])).toMatchObject({ room: "lobby", login: "gage" });
    expect(() => parseChatArgs(["lobby", "--name", "bob", "--login", "gage"])).toThrow(/not both/);
  });

  it("refuses a missing room, a second room, unknown options and a URL that is not a server's address", () => {
    for (const args of [[], ["a", "b"], ["a", "--nmae", "x"], ["a", "--url", "ftp://h"], ["a", "--url", "http://h/rooms/a"]]) {
      expect(() => parseChatArgs(args), args.join(" ")).toThrow(UsageError);
    }
  });
});
