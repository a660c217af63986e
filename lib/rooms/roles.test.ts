// Roles as every transport sees them: who owns, moderates, belongs, or is a guest.
import { describe, expect, it } from "vitest";
import { accountKey, addressKey, emptyAccess, entryFor, personKeys, roleOf, settingsOf, standingIn, type RoomAccess } from "./roles";

function room(change: Partial<RoomAccess> = {}): RoomAccess {
  const access = { ...emptyAccess(), owner: "Ada", ...change };
  access.settings.moderators = ["Kim"];
  return access;
}

describe("roleOf", () => {
  it("names the owner, moderators, members and guests, ignoring case", () => {
    expect(standingIn(room(), { username: "ada", guest: false })).toBe("owner");
    expect(standingIn(room(), { username: "KIM", guest: false })).toBe("moderator");
    expect(standingIn(room(), { username: "lee", guest: false })).toBe("member");
    expect(standingIn(room(), { username: "anon", guest: true })).toBe("guest");
  });

  it("never makes a guest who took an owner's or moderator's name more than a guest", () => {
    expect(standingIn(room(), { username: "Ada", guest: true })).toBe("guest");
    expect(standingIn(room(), { username: "Kim", guest: true })).toBe("guest");
  });

  it("puts the admin token above every role", () => {
    expect(standingIn(room(), "admin")).toBe("admin");
  });

  it("reads the same roles off the settings a client is given", () => {
    const settings = settingsOf(room());
    expect(roleOf(settings, { username: "ADA", guest: false })).toBe("owner");
    expect(roleOf(settings, { username: "kim", guest: false })).toBe("moderator");
    expect(roleOf(settings, { username: "kim", guest: true })).toBe("guest");
  });

  it("has nobody as owner in a room without one", () => {
    expect(standingIn(emptyAccess(), { username: "ada", guest: false })).toBe("member");
    expect(settingsOf(emptyAccess())).toEqual({
      topic: "",
      visibility: "public",
      readOnly: false,
      slowModeS: 0,
      owner: null,
      moderators: [],
      pinned: [],
    });
  });
});

describe("entries on a room's lists", () => {
  const at = "2026-11-30T10:00:00.000Z";

  it("match an account by name on any address, and a guest only by address", () => {
    const bans = [{ key: accountKey("Kim"), username: "Kim", by: "ada", at }];
    expect(entryFor(bans, personKeys({ username: "kim", guest: false }, "10.0.0.9"))).toBeDefined();
    expect(entryFor(bans, personKeys({ username: "kim", guest: true }, "10.0.0.9"))).toBeUndefined();
    const byAddress = [{ key: addressKey("10.0.0.9"), username: "anon", by: "ada", at }];
    expect(entryFor(byAddress, personKeys({ username: "anon", guest: true }, "10.0.0.9"))).toBeDefined();
    expect(entryFor(byAddress, personKeys({ username: "anon", guest: true }, "10.0.0.8"))).toBeUndefined();
  });

  it("hold until they lapse", () => {
    const now = Date.parse(at);
    const bans = [{ key: accountKey("kim"), username: "kim", by: "ada", at, until: new Date(now + 1000).toISOString() }];
    const kim = personKeys({ username: "kim", guest: false }, undefined);
    expect(entryFor(bans, kim, now)).toBeDefined();
    expect(entryFor(bans, kim, now + 1000)).toBeUndefined();
  });
});
