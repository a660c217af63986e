// Accounts and guest names: who may call themselves what.
import bcrypt from "bcryptjs";
import { beforeEach, describe, expect, it } from "vitest";
import { ChatError } from "../errors";
import type { ErrorCode } from "../protocol";
import { MemoryStore } from "../store/memory";
import { Accounts } from "./accounts";

// bcrypt's cheapest cost keeps the suite fast; the production cost comes from config.
const BCRYPT_COST = 4;

let store: MemoryStore;
let accounts: Accounts;

beforeEach(() => {
  store = new MemoryStore();
  accounts = new Accounts(store, { bcryptCost: BCRYPT_COST });
});

async function refusal(run: () => Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ChatError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a ChatError");
}

describe("registering", () => {
  it("creates a registered identity under the chosen spelling", async () => {
    expect(await accounts.register("Gage", "correct horse")).toEqual({ username: "Gage", guest: false });
  });

  it("stores a bcrypt hash of the password, never the password itself", async () => {
    await accounts.register("gage", "correct horse");
    const record = await store.findUser("gage");
    expect(record?.passwordHash).toMatch(/^\$2[aby]\$04\$.{53}$/);
    expect(record?.passwordHash).not.toContain("correct horse");
    expect(await bcrypt.compare("correct horse", record!.passwordHash)).toBe(true);
  });

  it("salts each hash, so two users with one password get different hashes", async () => {
    await accounts.register("gage", "correct horse");
    await accounts.register("kim", "correct horse");
    expect((await store.findUser("gage"))?.passwordHash).not.toBe((await store.findUser("kim"))?.passwordHash);
  });

  it("refuses a name that differs only in case from a registered one with name_taken", async () => {
    await accounts.register("Gage", "correct horse");
    expect((await refusal(() => accounts.register("gage", "another one"))).code).toBe("name_taken");
    expect((await refusal(() => accounts.register("GAGE", "another one"))).code).toBe("name_taken");
  });

  it("keeps the first account's password when a second registration is refused", async () => {
    await accounts.register("Gage", "correct horse");
    await refusal(() => accounts.register("gage", "another one"));
    expect(await accounts.login("gage", "correct horse")).toEqual({ username: "Gage", guest: false });
  });

  it("refuses to register the default guest name in any case", async () => {
    for (const name of ["anon", "Anon", "ANON"]) {
      expect((await refusal(() => accounts.register(name, "correct horse"))).code).toBe("name_taken");
    }
    expect(await store.findUser("anon")).toBeUndefined();
  });

  it("refuses an invalid username or password with invalid_payload", async () => {
    expect((await refusal(() => accounts.register("g", "correct horse"))).code).toBe("invalid_payload");
    expect((await refusal(() => accounts.register("gage", "short"))).code).toBe("invalid_payload");
    expect(await store.findUser("gage")).toBeUndefined();
  });
});

describe("names that look like a registered one", () => {
  it.each([
    ["a capital I for an l", "PauI"],
    ["a 1 for an l", "pau1"],
    ["a different case", "PAUL"],
  ])("refuses to register %s with name_taken", async (_, lookAlike) => {
    await accounts.register("Paul", "correct horse");
    const refused = await refusal(() => accounts.register(lookAlike, "another one"));
    expect(refused.code).toBe("name_taken");
    expect([undefined, "Paul"]).toContain((await store.findUser(lookAlike))?.username);
  });

  it("says which registered name it looks like", async () => {
    await accounts.register("Paul", "correct horse");
    expect((await refusal(() => accounts.register("PauI", "another one"))).message).toMatch(/looks like the registered name "Paul"/);
  });

  it("lets only one of two look-alike registrations racing each other win", async () => {
    const results = await Promise.allSettled([
      accounts.register("mary", "correct horse"),
      accounts.register("rnary", "correct horse"),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
  });

  it("refuses a guest name whose skeleton is a registered user's with name_taken", async () => {
    await accounts.register("Paul", "correct horse");
    for (const name of ["PauI", "pau1", "PAU1"]) {
      expect((await refusal(() => accounts.guest(name))).code).toBe("name_taken");
    }
    expect(await accounts.guest("Pauline")).toEqual({ username: "Pauline", guest: true });
  });

  it("refuses to register a look-alike of the default guest name", async () => {
    expect((await refusal(() => accounts.register("an0n", "correct horse"))).code).toBe("name_taken");
  });
});

describe("logging out", () => {
  it("voids every session the account had: an old session reads as a guest afterwards", async () => {
    const user = await accounts.register("Gage", "correct horse");
    const session = await accounts.sessionOf(user);
    expect(await accounts.identify(session)).toEqual({ username: "Gage", guest: false });
    await accounts.logout(session);
    expect(await accounts.identify(session)).toEqual({ username: "anon", guest: true });
  });

  it("gives a session begun after the logout the new version, which is a login", async () => {
    const user = await accounts.register("Gage", "correct horse");
    await accounts.logout(await accounts.sessionOf(user));
    const fresh = await accounts.sessionOf(await accounts.login("Gage", "correct horse"));
    expect(fresh.version).toBe(1);
    expect(await accounts.identify(fresh)).toEqual({ username: "Gage", guest: false });
  });

  it("does nothing for a session that is already logged out, so a stale cookie cannot log anyone out", async () => {
    const user = await accounts.register("Gage", "correct horse");
    const stale = await accounts.sessionOf(user);
    await accounts.logout(stale);
    const fresh = await accounts.sessionOf(await accounts.login("Gage", "correct horse"));
    await accounts.logout(stale);
    expect(await accounts.identify(fresh)).toEqual({ username: "Gage", guest: false });
  });
});

describe("logging in", () => {
  beforeEach(async () => {
    await accounts.register("Gage", "correct horse");
  });

  it("logs a user in with the right password", async () => {
    expect(await accounts.login("Gage", "correct horse")).toEqual({ username: "Gage", guest: false });
  });

  it("accepts any case of the name and answers with the registered spelling", async () => {
    expect(await accounts.login("gage", "correct horse")).toEqual({ username: "Gage", guest: false });
    expect(await accounts.login("GAGE", "correct horse")).toEqual({ username: "Gage", guest: false });
  });

  it("refuses a wrong password and an unknown name alike, so names cannot be probed", async () => {
    const wrongPassword = await refusal(() => accounts.login("Gage", "wrong horse"));
    const unknownName = await refusal(() => accounts.login("nobody", "correct horse"));
    expect(wrongPassword.code).toBe("unauthorized");
    expect(unknownName).toEqual(wrongPassword);
  });

  it("refuses a 72-byte password with more appended, though bcrypt reads only 72 bytes", async () => {
    const full = "p".repeat(72);
    await accounts.register("Long", full);
    expect(await accounts.login("Long", full)).toEqual({ username: "Long", guest: false });
    expect((await refusal(() => accounts.login("Long", full + "extra"))).code).toBe("unauthorized");
  });

  it("treats the password as case-sensitive", async () => {
    expect((await refusal(() => accounts.login("Gage", "Correct Horse"))).code).toBe("unauthorized");
  });
});

describe("guests", () => {
  it("calls a guest who chose no name anon", async () => {
    expect(await accounts.guest()).toEqual({ username: "anon", guest: true });
    expect(await accounts.guest("")).toEqual({ username: "anon", guest: true });
    expect(await accounts.guest("   ")).toEqual({ username: "anon", guest: true });
  });

  it("gives a guest the name it chose, trimmed", async () => {
    expect(await accounts.guest("  kim ")).toEqual({ username: "kim", guest: true });
  });

  it("does not let a guest take a registered name in any case", async () => {
    await accounts.register("Gage", "correct horse");
    for (const name of ["Gage", "gage", "GAGE"]) {
      expect((await refusal(() => accounts.guest(name))).code).toBe("name_taken");
    }
  });

  it("refuses a guest name that is not a valid username with invalid_payload", async () => {
    expect((await refusal(() => accounts.guest("<script>"))).code).toBe("invalid_payload");
  });
});

describe("identifying a session", () => {
  it("recognises a session's registered user under the registered spelling", async () => {
    await accounts.register("Gage", "correct horse");
    expect(await accounts.identify({ username: "gage" })).toEqual({ username: "Gage", guest: false });
  });

  it("keeps a registered user registered even when a guest name is asked for", async () => {
    await accounts.register("Gage", "correct horse");
    expect(await accounts.identify({ username: "Gage" }, "kim")).toEqual({ username: "Gage", guest: false });
  });

  it("treats a session whose account does not exist as the default guest", async () => {
    expect(await accounts.identify({ username: "ghost" })).toEqual({ username: "anon", guest: true });
  });

  it("treats a session whose account does not exist as its guest name when it has one", async () => {
    expect(await accounts.identify({ username: "ghost", guestName: "kim" })).toEqual({ username: "kim", guest: true });
  });

  it("prefers the guest name asked for now over the one in the session", async () => {
    expect(await accounts.identify({ guestName: "kim" }, "lee")).toEqual({ username: "lee", guest: true });
  });

  it("falls back to the default guest when an account has since taken the session's guest name", async () => {
    await accounts.register("Kim", "correct horse");
    expect(await accounts.identify({ guestName: "kim" })).toEqual({ username: "anon", guest: true });
  });

  it("refuses a guest name asked for now that an account holds", async () => {
    await accounts.register("Kim", "correct horse");
    await expect(accounts.identify({}, "KIM")).rejects.toMatchObject({ code: "name_taken" });
  });

  it("treats an empty session as the default guest", async () => {
    expect(await accounts.identify({})).toEqual({ username: "anon", guest: true });
  });
});
