// The session cookie: only a seal made with the server's secret says who a browser is.
import { sealData } from "iron-session";
import { afterEach, describe, expect, it, vi } from "vitest";
import { unsealSession } from "./session";

const SECRET = "a test secret that is at least 32 characters long";
const OTHER_SECRET = "another secret, also at least 32 characters long";

afterEach(() => {
  vi.useRealTimers();
});

describe("reading a session cookie", () => {
  it("reads back a registered user sealed with the server's secret", async () => {
    const seal = await sealData({ username: "gage" }, { password: SECRET });
    expect(await unsealSession(seal, [SECRET])).toEqual({ username: "gage" });
  });

  it("reads back a guest's chosen name", async () => {
    const seal = await sealData({ guestName: "kim" }, { password: SECRET });
    expect(await unsealSession(seal, [SECRET])).toEqual({ guestName: "kim" });
  });

  it("reads no cookie as no session", async () => {
    expect(await unsealSession(undefined, [SECRET])).toEqual({});
    expect(await unsealSession("", [SECRET])).toEqual({});
  });

  it.each([
    ["garbage", "not a seal at all"],
    ["a JSON body", JSON.stringify({ username: "gage" })],
    ["a seal-shaped string", "Fe26.2*1*aaaa*bbbb*cccc*0*dddd*eeee~2"],
  ])("reads %s as no session", async (_, value) => {
    expect(await unsealSession(value, [SECRET])).toEqual({});
  });

  it("reads a seal forged with another secret as no session", async () => {
    const forged = await sealData({ username: "admin" }, { password: OTHER_SECRET });
    expect(await unsealSession(forged, [SECRET])).toEqual({});
  });

  it("reads a tampered seal as no session", async () => {
    const seal = await sealData({ username: "gage" }, { password: SECRET });
    const parts = seal.split("*");
    // Flip one character of the encrypted body: the HMAC no longer matches.
    const body = parts[4]!;
    parts[4] = (body[0] === "A" ? "B" : "A") + body.slice(1);
    const tampered = parts.join("*");
    expect(tampered).not.toBe(seal);
    expect(await unsealSession(tampered, [SECRET])).toEqual({});
  });

  it("reads an expired seal as no session", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const seal = await sealData({ username: "gage" }, { password: SECRET, ttl: 60 });
    expect(await unsealSession(seal, [SECRET])).toEqual({ username: "gage" });
    vi.setSystemTime(Date.now() + 60 * 60 * 1000);
    expect(await unsealSession(seal, [SECRET])).toEqual({});
  });

  it("reads a seal opened once with the server's secret as no session under another secret", async () => {
    const seal = await sealData({ username: "gage" }, { password: SECRET });
    expect(await unsealSession(seal, [SECRET])).toEqual({ username: "gage" });
    expect(await unsealSession(seal, [OTHER_SECRET])).toEqual({});
  });

  it("reads a seal the same each time, whatever a caller did to what it read before", async () => {
    const seal = await sealData({ username: "gage" }, { password: SECRET });
    const first = await unsealSession(seal, [SECRET]);
    first.username = "admin";
    expect(await unsealSession(seal, [SECRET])).toEqual({ username: "gage" });
  });

  it("ignores fields that are not strings, so a seal cannot smuggle in another shape", async () => {
    const seal = await sealData({ username: 42, guestName: { name: "kim" }, admin: true }, { password: SECRET });
    expect(await unsealSession(seal, [SECRET])).toEqual({});
  });
});
