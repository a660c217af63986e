// The Store contract: one suite that every backend must pass, called by each
// backend's own test file (memory.test.ts, journaled.test.ts, redis.test.ts), the
// way socket.io-redis-adapter runs one suite against each adapter.
// `createStore` must give a new, empty store each time (a shared backend such as
// Redis gets a fresh key prefix per call), so tests can use readable names.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeAwarenessStore } from "./awareness.contract";
import { describeMessageChanges } from "./messages.contract";
import { describeRoomRecords } from "./rooms.contract";
import type { MessageDraft, Store, UserRecord } from "./store";

export function describeStore(name: string, createStore: () => Store | Promise<Store>): void {
  describe(`${name} (store contract)`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await createStore();
    });
    afterEach(async () => {
      await store.close();
    });

    const user = (username: string): UserRecord => ({
      username,
      passwordHash: "$2b$04$abcdefghijklmnopqrstuuv3Lk4p5UeJm9qg6W0Qq1B1wz1y0r2W",
      createdAt: "2026-11-23T10:00:00.000Z",
    });

    const draft = (content: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({
      username: "gage",
      guest: false,
      content,
      sentAt: "2026-11-23T10:00:00.000Z",
      ...extra,
    });

    async function appendMany(room: string, count: number): Promise<void> {
      for (let i = 1; i <= count; i++) await store.append(room, draft(`message ${i}`));
    }

    const seqs = (messages: { seq: number }[]) => messages.map((message) => message.seq);

    describeRoomRecords(() => store);
    describeMessageChanges(() => store);

    describe("users", () => {
      it("creates a user under a free name", async () => {
        expect(await store.createUser(user("gage"))).toBe(true);
        expect(await store.findUser("gage")).toMatchObject(user("gage"));
      });

      it("refuses a second user whose name differs only in case", async () => {
        expect(await store.createUser(user("Gage"))).toBe(true);
        expect(await store.createUser(user("gage"))).toBe(false);
        expect(await store.createUser(user("GAGE"))).toBe(false);
        expect((await store.findUser("gage"))?.username).toBe("Gage");
      });

      it("finds a user by any case of the name and answers with the registered spelling", async () => {
        await store.createUser(user("GaGe"));
        for (const asked of ["gage", "GAGE", "GaGe", "gAgE"]) {
          expect((await store.findUser(asked))?.username).toBe("GaGe");
        }
      });

      it("finds no user under a name nobody registered", async () => {
        await store.createUser(user("gage"));
        expect(await store.findUser("kim")).toBeUndefined();
      });

      it("raises a user's session version by one on each bump, under any case of the name", async () => {
        await store.createUser(user("Gage"));
        expect((await store.findUser("gage"))?.sessionVersion ?? 0).toBe(0);
        expect(await store.bumpSessionVersion("gage")).toBe(1);
        expect(await store.bumpSessionVersion("GAGE")).toBe(2);
        expect((await store.findUser("Gage"))?.sessionVersion).toBe(2);
      });

      it("bumps no session version for a name nobody registered", async () => {
        expect(await store.bumpSessionVersion("kim")).toBeUndefined();
        expect(await store.findUser("kim")).toBeUndefined();
      });
    });

    describe("appending messages", () => {
      it("numbers a room's messages 1, 2, 3 in the order they are appended", async () => {
        const first = await store.append("lobby", draft("one"));
        const second = await store.append("lobby", draft("two"));
        const third = await store.append("lobby", draft("three"));
        expect([first, second, third].map((result) => [result.message.seq, result.message.content])).toEqual([
          [1, "one"],
          [2, "two"],
          [3, "three"],
        ]);
        expect([first, second, third].every((result) => result.created)).toBe(true);
      });

      it("numbers each room from 1 independently of the others", async () => {
        await store.append("lobby", draft("a"));
        await store.append("lobby", draft("b"));
        const elsewhere = await store.append("kitchen", draft("c"));
        const back = await store.append("lobby", draft("d"));
        expect(elsewhere.message.seq).toBe(1);
        expect(back.message.seq).toBe(3);
      });

      it("gives appends made at once distinct seqs with no gap", async () => {
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.append("lobby", draft(`m${i}`))));
        expect(seqs(results.map((result) => result.message)).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
      });

      it("keeps the draft's author, content, time and clientId, adds the room, and gives each message its own id", async () => {
        const a = await store.append("lobby", draft("hello", { username: "kim", guest: true, clientId: "c-1" }));
        const b = await store.append("lobby", draft("again"));
        expect(a.message).toMatchObject({
          room: "lobby",
          seq: 1,
          username: "kim",
          guest: true,
          content: "hello",
          sentAt: "2026-11-23T10:00:00.000Z",
          clientId: "c-1",
        });
        expect(typeof a.message.id).toBe("string");
        expect(a.message.id).not.toBe(b.message.id);
      });

      it("leaves clientId out of a message sent without one", async () => {
        const { message } = await store.append("lobby", draft("hello"));
        expect("clientId" in message).toBe(false);
        expect("clientId" in (await store.recent("lobby", 1))[0]!).toBe(false);
      });

      it("returns the first message, not created, and stores nothing new when a clientId is appended again", async () => {
        const first = await store.append("lobby", draft("hello", { clientId: "c-1" }));
        const again = await store.append("lobby", draft("hello, edited", { clientId: "c-1" }));
        expect(again.created).toBe(false);
        expect(again.message).toEqual(first.message);
        expect(await store.recent("lobby", 10)).toEqual([first.message]);
        expect((await store.append("lobby", draft("next"))).message.seq).toBe(2);
      });

      it("stores one message when the same clientId is appended twice at once", async () => {
        const [a, b] = await Promise.all([
          store.append("lobby", draft("hello", { clientId: "c-1" })),
          store.append("lobby", draft("hello", { clientId: "c-1" })),
        ]);
        expect(a!.message).toEqual(b!.message);
        expect([a!.created, b!.created].sort()).toEqual([false, true]);
        expect(await store.recent("lobby", 10)).toHaveLength(1);
      });

      it("stores a message whose clientId was already used in another room", async () => {
        await store.append("lobby", draft("hello", { clientId: "c-1" }));
        const elsewhere = await store.append("kitchen", draft("hello", { clientId: "c-1" }));
        expect(elsewhere.created).toBe(true);
        expect(elsewhere.message.room).toBe("kitchen");
      });
    });

    describe("reading history", () => {
      it("gives the newest N messages, oldest first", async () => {
        await appendMany("lobby", 10);
        expect(seqs(await store.recent("lobby", 3))).toEqual([8, 9, 10]);
        expect((await store.recent("lobby", 3)).map((message) => message.content)).toEqual([
          "message 8",
          "message 9",
          "message 10",
        ]);
      });

      it("gives every message when asked for more than the room holds", async () => {
        await appendMany("lobby", 4);
        expect(seqs(await store.recent("lobby", 50))).toEqual([1, 2, 3, 4]);
      });

      it("gives an empty list for a room nobody wrote in", async () => {
        expect(await store.recent("empty-room", 50)).toEqual([]);
        expect(await store.before("empty-room", 10, 50)).toEqual([]);
      });

      it("pages backwards through older messages with before", async () => {
        await appendMany("lobby", 10);
        expect(seqs(await store.before("lobby", 11, 3))).toEqual([8, 9, 10]);
        expect(seqs(await store.before("lobby", 8, 3))).toEqual([5, 6, 7]);
        expect(seqs(await store.before("lobby", 5, 3))).toEqual([2, 3, 4]);
        expect(seqs(await store.before("lobby", 2, 3))).toEqual([1]);
        expect(await store.before("lobby", 1, 3)).toEqual([]);
      });

      it("pages from the newest message when before points past the end", async () => {
        await appendMany("lobby", 5);
        expect(seqs(await store.before("lobby", 1000, 2))).toEqual([4, 5]);
      });

      it("keeps each room's history to itself", async () => {
        await appendMany("lobby", 3);
        await store.append("kitchen", draft("only here"));
        expect((await store.recent("kitchen", 10)).map((message) => message.content)).toEqual(["only here"]);
        expect(await store.before("kitchen", 2, 10)).toHaveLength(1);
      });
    });

    describe("username claims", () => {
      it("keeps the first claim of a name's skeleton and answers later claims with its holder", async () => {
        expect(await store.claimUsername("gage", "Gage")).toBe("Gage");
        expect(await store.claimUsername("gage", "GAGE")).toBe("Gage");
        expect(await store.usernameHolder("gage")).toBe("Gage");
      });

      it("has no holder for a skeleton nobody claimed", async () => {
        await store.claimUsername("gage", "gage");
        expect(await store.usernameHolder("kim")).toBeUndefined();
      });

      it("keeps username claims apart from room owners, and deleting a room leaves them", async () => {
        await store.claimUsername("lobby", "lobby");
        expect(await store.owner("lobby")).toBeUndefined();
        expect(await store.claimOwner("lobby", "kim")).toBe("kim");
        await store.deleteRoom("lobby");
        expect(await store.usernameHolder("lobby")).toBe("lobby");
      });

      it("treats JavaScript property names as ordinary skeletons", async () => {
        expect(await store.usernameHolder("__proto__")).toBeUndefined();
        expect(await store.claimUsername("__proto__", "__proto__")).toBe("__proto__");
        expect(await store.usernameHolder("constructor")).toBeUndefined();
      });
    });

    describe("room owners", () => {
      it("keeps the first owner a room was claimed by", async () => {
        expect(await store.claimOwner("lobby", "gage")).toBe("gage");
        expect(await store.claimOwner("lobby", "kim")).toBe("gage");
        expect(await store.owner("lobby")).toBe("gage");
      });

      it("has no owner for a room nobody claimed", async () => {
        await store.append("lobby", draft("hello"));
        expect(await store.owner("lobby")).toBeUndefined();
        expect(await store.owner("never-used")).toBeUndefined();
      });

      it("claims each room separately", async () => {
        await store.claimOwner("lobby", "gage");
        expect(await store.claimOwner("kitchen", "kim")).toBe("kim");
      });
    });

    describe("deleting a room", () => {
      it("removes its history, clientIds and owner, and numbers new messages from 1 again", async () => {
        await store.claimOwner("lobby", "gage");
        await store.append("lobby", draft("first", { clientId: "c1" }));
        await store.append("lobby", draft("second"));
        await store.deleteRoom("lobby");

        expect(await store.recent("lobby", 10)).toEqual([]);
        expect(await store.owner("lobby")).toBeUndefined();
        const again = await store.append("lobby", draft("after", { clientId: "c1" }));
        expect(again.created).toBe(true);
        expect(again.message.seq).toBe(1);
      });

      it("leaves other rooms as they were", async () => {
        await appendMany("lobby", 2);
        await appendMany("kitchen", 3);
        await store.deleteRoom("lobby");
        expect(seqs(await store.recent("kitchen", 10))).toEqual([1, 2, 3]);
      });
    });

    describe("searching", () => {
      const found = (messages: { room: string; seq: number }[]) => messages.map((message) => `${message.room}#${message.seq}`);

      it("finds a room's messages holding a word, newest first, with the matched words highlighted", async () => {
        await store.append("lobby", draft("the deploy is done"));
        await store.append("lobby", draft("lunch at noon"));
        await store.append("lobby", draft("Deploy again tomorrow"));
        const results = await store.searchRoom("lobby", "deploy", { limit: 10 });
        expect(found(results)).toEqual(["lobby#3", "lobby#1"]);
        expect(results[0]).toMatchObject({ content: "Deploy again tomorrow", highlight: [[0, 6]] });
        expect(results[1]!.highlight).toEqual([[4, 10]]);
      });

      it("matches without case or diacritics, and a word typed by its beginning once it has three letters", async () => {
        await store.append("lobby", draft("Un café à Zürich"));
        for (const query of ["CAFE", "zurich", "caf", "Zür", "un", "A"]) {
          expect(found(await store.searchRoom("lobby", query, { limit: 10 })), query).toEqual(["lobby#1"]);
        }
        for (const query of ["ca", "Zü", "zurichs"]) expect(await store.searchRoom("lobby", query, { limit: 10 }), query).toEqual([]);
        expect((await store.searchRoom("lobby", "cafe zur", { limit: 10 }))[0]!.highlight).toEqual([
          [3, 7],
          [10, 16],
        ]);
      });

      it("finds Chinese and Japanese text by the beginning of a run of characters", async () => {
        await store.append("lobby", draft("日本語のメッセージです。東京へ行きます"));
        for (const query of ["日本", "日本語の", "東京"]) {
          expect(found(await store.searchRoom("lobby", query, { limit: 10 })), query).toEqual(["lobby#1"]);
        }
        expect((await store.searchRoom("lobby", "東京", { limit: 10 }))[0]!.highlight).toEqual([[12, 19]]);
      });

      it("finds Chinese and Japanese words of three or more characters inside a run, highlighting just them", async () => {
        await store.append("lobby", draft("日本語のメッセージです。東京へ行きます"));
        await store.append("lobby", draft("我们明天在北京开会讨论新产品"));
        // Once, this rule said "inside a run of characters is not the beginning of a word": trigrams lifted it (docs/performance.md, "Search").
        const inside = await store.searchRoom("lobby", "メッセージ", { limit: 10 });
        expect(found(inside)).toEqual(["lobby#1"]);
        expect(inside[0]!.highlight).toEqual([[4, 9]]);
        expect(found(await store.searchRooms("讨论新产品", { limit: 10 }))).toEqual(["lobby#2"]);
        expect(found(await store.searchRoom("lobby", "北京开会 明天", { limit: 10 }))).toEqual([]);
        expect(found(await store.searchRoom("lobby", "北京开会 我们", { limit: 10 }))).toEqual(["lobby#2"]);
        // Two characters inside a run are not found: trigrams need three.
        expect(await store.searchRoom("lobby", "北京", { limit: 10 })).toEqual([]);
      });

      it("finds only messages holding every word typed", async () => {
        await store.append("lobby", draft("red apples"));
        await store.append("lobby", draft("green apples"));
        await store.append("lobby", draft("red cars"));
        expect(found(await store.searchRoom("lobby", "apples red", { limit: 10 }))).toEqual(["lobby#1"]);
        expect(await store.searchRoom("lobby", "apples blue", { limit: 10 })).toEqual([]);
      });

      it("pages through older results with before and limit", async () => {
        for (let i = 1; i <= 7; i++) await store.append("lobby", draft(i % 2 === 1 ? `ping ${i}` : `pong ${i}`));
        expect(found(await store.searchRoom("lobby", "ping", { limit: 2 }))).toEqual(["lobby#7", "lobby#5"]);
        expect(found(await store.searchRoom("lobby", "ping", { before: 5, limit: 2 }))).toEqual(["lobby#3", "lobby#1"]);
        expect(await store.searchRoom("lobby", "ping", { before: 1, limit: 2 })).toEqual([]);
      });

      it("keeps each room's search to its own messages, and finds nothing in a room nobody wrote in", async () => {
        await store.append("lobby", draft("shared word"));
        await store.append("kitchen", draft("shared word"));
        expect(found(await store.searchRoom("kitchen", "shared", { limit: 10 }))).toEqual(["kitchen#1"]);
        expect(await store.searchRoom("empty-room", "shared", { limit: 10 })).toEqual([]);
      });

      it("treats query syntax as plain text and finds nothing for text without a word", async () => {
        await store.append("lobby", draft('an "unbalanced quote and NEAR(words) with * AND OR NOT col:x'));
        for (const query of ['"unbalanced', "NEAR(", "NEAR(words", "AND", "* OR", "col:x", "quote:unbalanced", "{col}: x", "^an", "NOT quote"]) {
          expect(found(await store.searchRoom("lobby", query, { limit: 10 })), query).toEqual(["lobby#1"]);
        }
        for (const query of ["", "   ", '"', "()*:-^", "🙂"]) {
          expect(await store.searchRoom("lobby", query, { limit: 10 }), query).toEqual([]);
          expect(await store.searchRooms(query, { limit: 10 }), query).toEqual([]);
        }
      });

      it("forgets a deleted room's messages", async () => {
        await store.append("lobby", draft("secret plans"));
        await store.deleteRoom("lobby");
        expect(await store.searchRoom("lobby", "secret", { limit: 10 })).toEqual([]);
        expect(await store.searchRooms("secret", { limit: 10 })).toEqual([]);
      });

      it("finds messages across rooms, best match first", async () => {
        await store.append("lobby", draft("we talked about the weather and then about lunch for a long while, deploy later"));
        await store.append("kitchen", draft("deploy deploy deploy"));
        await store.append("garden", draft("nothing to see"));
        const results = await store.searchRooms("deploy", { limit: 10 });
        expect(found(results)).toEqual(["kitchen#1", "lobby#1"]);
        expect(results[0]!.highlight).toEqual([
          [0, 6],
          [7, 13],
          [14, 20],
        ]);
      });

      it("searches only the rooms it is given", async () => {
        await store.append("lobby", draft("hello from the lobby"));
        await store.append("kitchen", draft("hello from the kitchen"));
        await store.append("garden", draft("hello from the garden"));
        const results = await store.searchRooms("hello", { limit: 10, rooms: ["kitchen", "garden", "never-used"] });
        expect(found(results).sort()).toEqual(["garden#1", "kitchen#1"]);
        expect(await store.searchRooms("hello", { limit: 10, rooms: [] })).toEqual([]);
        expect(await store.searchRooms("hello", { limit: 2 })).toHaveLength(2);
      });
    });

    // Guards the atom rule: user input never becomes a key of a plain object, where
    // these names would reach Object.prototype instead of the store's own data.
    describe("names that are also JavaScript property names", () => {
      const trickyNames = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];

      it("finds no user under such a name until one registers it", async () => {
        for (const name of trickyNames) expect(await store.findUser(name)).toBeUndefined();
      });

      it("registers such names as ordinary users", async () => {
        for (const name of trickyNames) expect(await store.createUser(user(name))).toBe(true);
        for (const name of trickyNames) expect((await store.findUser(name.toUpperCase()))?.username).toBe(name);
        expect(await store.createUser(user("__PROTO__"))).toBe(false);
      });

      it("keeps messages of rooms with such names as ordinary rooms numbered from 1", async () => {
        for (const room of trickyNames) {
          expect(await store.recent(room, 10)).toEqual([]);
          expect((await store.append(room, draft(`in ${room}`))).message.seq).toBe(1);
        }
        for (const room of trickyNames) {
          expect((await store.recent(room, 10)).map((message) => message.content)).toEqual([`in ${room}`]);
        }
      });

      it("treats such strings as ordinary clientIds", async () => {
        const first = await store.append("lobby", draft("a", { clientId: "__proto__" }));
        const second = await store.append("lobby", draft("b", { clientId: "constructor" }));
        expect([first.created, second.created]).toEqual([true, true]);
        expect((await store.append("lobby", draft("a", { clientId: "__proto__" }))).message).toEqual(first.message);
      });

      it("gives rooms with such names no owner until one is claimed", async () => {
        for (const room of trickyNames) expect(await store.owner(room)).toBeUndefined();
        expect(await store.claimOwner("__proto__", "gage")).toBe("gage");
        expect(await store.owner("__proto__")).toBe("gage");
        expect(await store.owner("constructor")).toBeUndefined();
      });
    });

    describeAwarenessStore(() => store);
  });
}
