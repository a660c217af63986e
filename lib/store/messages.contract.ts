// The contract for changes to stored messages (updateMessage), called from the store
// contract suite so every backend passes it: author-only edits, deletes that leave a
// tombstone with no copy of the old text, replies, reaction toggles and their limit,
// pins, search after edits and deletes, and the refusals.
import { describe, expect, it } from "vitest";
import { ChatError } from "../errors";
import { MAX_REACTIONS } from "./message-change";
import type { MessageChange, MessageDraft, Store } from "./store";

const draft = (content: string, author: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({
  username: "gage",
  guest: false,
  content,
  sentAt: "2026-11-23T10:00:00.000Z",
  author,
  ...extra,
});

const edit = (content: string, author: string): MessageChange => ({ kind: "edit", content, at: "2026-11-23T10:01:00.000Z", author });
const react = (emoji: string, on: boolean, key: string, username: string): MessageChange => ({ kind: "react", emoji, on, person: { key, username } });

async function codeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    if (error instanceof ChatError) return error.code;
    throw error;
  }
  throw new Error("expected a ChatError");
}

export function describeMessageChanges(store: () => Store): void {
  describe("changing messages", () => {
    it("lets the author edit a message, marks it edited and keeps its id and seq", async () => {
      const { message } = await store().append("lobby", draft("helo", "user:gage"));
      const edited = await store().updateMessage("lobby", 1, edit("hello", "user:gage"));
      expect(edited).toEqual({ ...message, content: "hello", editedAt: "2026-11-23T10:01:00.000Z" });
      expect(await store().recent("lobby", 10)).toEqual([edited]);
      expect(await store().before("lobby", 2, 10)).toEqual([edited]);
    });

    it("refuses an edit by anyone but the author with forbidden, and changes nothing", async () => {
      const { message } = await store().append("lobby", draft("mine", "user:gage"));
      expect(await codeOf(store().updateMessage("lobby", 1, edit("yours", "guest:someone")))).toBe("forbidden");
      expect(await store().recent("lobby", 10)).toEqual([message]);
    });

    it("turns a deleted message into a tombstone with its seq, no text, and no author key on the wire", async () => {
      await store().append("lobby", draft("first", "user:gage"));
      const { message } = await store().append("lobby", draft("a secret", "guest:g1"));
      const tombstone = await store().updateMessage("lobby", 2, { kind: "delete", author: "guest:g1" });
      expect(tombstone).toEqual({ id: message.id, room: "lobby", seq: 2, username: "gage", guest: false, content: "", sentAt: message.sentAt, deleted: true });
      const listed = await store().recent("lobby", 10);
      expect(listed.map((m) => m.seq)).toEqual([1, 2]);
      expect(JSON.stringify(listed)).not.toContain("a secret");
      expect(JSON.stringify(listed)).not.toContain("guest:g1");
      // Deleting twice answers the tombstone; editing it is no longer possible.
      expect(await store().updateMessage("lobby", 2, { kind: "delete" })).toEqual(tombstone);
      expect(await codeOf(store().updateMessage("lobby", 2, edit("back", "guest:g1")))).toBe("not_found");
    });

    it("lets a delete without an author (a keeper's) remove anyone's message, and refuses another author's", async () => {
      await store().append("lobby", draft("theirs", "user:gage"));
      await store().append("lobby", draft("also theirs", "user:gage"));
      expect(await codeOf(store().updateMessage("lobby", 1, { kind: "delete", author: "user:kim" }))).toBe("forbidden");
      expect(await store().updateMessage("lobby", 1, { kind: "delete" })).toMatchObject({ seq: 1, deleted: true, content: "" });
    });

    it("answers not_found for a message the room does not have", async () => {
      await store().append("lobby", draft("only one", "user:gage"));
      for (const seq of [0, 2, 1.5]) {
        expect(await codeOf(store().updateMessage("lobby", seq, { kind: "delete" }))).toBe("not_found");
      }
      expect(await codeOf(store().updateMessage("elsewhere", 1, { kind: "delete" }))).toBe("not_found");
    });

    it("finds an edited message by its new words only, and a deleted one never", async () => {
      await store().append("lobby", draft("the pangolin escaped", "user:gage"));
      await store().append("lobby", draft("a wombat too", "user:gage"));
      await store().updateMessage("lobby", 1, edit("the otter escaped", "user:gage"));
      await store().updateMessage("lobby", 2, { kind: "delete" });
      expect(await store().searchRoom("lobby", "pangolin", { limit: 10 })).toEqual([]);
      expect((await store().searchRoom("lobby", "otter", { limit: 10 })).map((m) => m.seq)).toEqual([1]);
      expect(await store().searchRoom("lobby", "wombat", { limit: 10 })).toEqual([]);
      expect(await store().searchRooms("wombat", { limit: 10 })).toEqual([]);
      expect(await store().searchRooms("pangolin", { limit: 10 })).toEqual([]);
    });
  });

  describe("replies", () => {
    it("keeps a reply's replyTo through reads and edits, and a deleted reply drops it", async () => {
      await store().append("lobby", draft("a question", "user:kim"));
      const { message } = await store().append("lobby", draft("an answer", "user:gage", { replyTo: 1 }));
      expect(message.replyTo).toBe(1);
      expect((await store().recent("lobby", 10))[1]).toEqual(message);
      expect((await store().updateMessage("lobby", 2, edit("a better answer", "user:gage"))).replyTo).toBe(1);
      expect((await store().updateMessage("lobby", 2, { kind: "delete" })).replyTo).toBeUndefined();
    });

    it("keeps a reply to a message that is deleted later: the reply stays, the original is a tombstone", async () => {
      await store().append("lobby", draft("a question", "user:kim"));
      await store().append("lobby", draft("an answer", "user:gage", { replyTo: 1 }));
      await store().updateMessage("lobby", 1, { kind: "delete" });
      const [original, reply] = await store().recent("lobby", 10);
      expect(original).toMatchObject({ seq: 1, deleted: true, content: "" });
      expect(reply).toMatchObject({ seq: 2, replyTo: 1, content: "an answer" });
    });
  });

  describe("reactions", () => {
    it("adds each person once per emoji, shows who reacted by name (never by key), and toggling is idempotent", async () => {
      await store().append("lobby", draft("ship it", "user:gage"));
      await store().updateMessage("lobby", 1, react("👍", true, "user:kim", "kim"));
      const twice = await store().updateMessage("lobby", 1, react("👍", true, "user:kim", "kim"));
      expect(twice.reactions).toEqual([{ emoji: "👍", users: ["kim"] }]);
      await store().updateMessage("lobby", 1, react("👍", true, "guest:s1", "anon"));
      const both = await store().updateMessage("lobby", 1, react("🎉", true, "guest:s2", "anon"));
      expect(both.reactions).toEqual([
        { emoji: "👍", users: ["kim", "anon"] },
        { emoji: "🎉", users: ["anon"] },
      ]);
      expect(await store().recent("lobby", 10)).toEqual([both]);
      expect(JSON.stringify(await store().recent("lobby", 10))).not.toMatch(/user:kim|guest:s/);
    });

    it("takes a reaction back, drops an emoji nobody holds any more, and ignores taking back what was never given", async () => {
      await store().append("lobby", draft("ship it", "user:gage"));
      await store().updateMessage("lobby", 1, react("👍", true, "user:kim", "kim"));
      await store().updateMessage("lobby", 1, react("👍", true, "user:ann", "ann"));
      expect((await store().updateMessage("lobby", 1, react("👍", false, "user:kim", "kim"))).reactions).toEqual([{ emoji: "👍", users: ["ann"] }]);
      expect((await store().updateMessage("lobby", 1, react("👍", false, "user:kim", "kim"))).reactions).toEqual([{ emoji: "👍", users: ["ann"] }]);
      const none = await store().updateMessage("lobby", 1, react("👍", false, "user:ann", "ann"));
      expect(none.reactions).toBeUndefined();
      expect((await store().recent("lobby", 1))[0]!.reactions).toBeUndefined();
    });

    it(`allows at most ${MAX_REACTIONS} different emoji on a message, and more people on one already there`, async () => {
      await store().append("lobby", draft("react away", "user:gage"));
      const emoji = [..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂🤗"];
      for (const one of emoji.slice(0, MAX_REACTIONS)) await store().updateMessage("lobby", 1, react(one, true, "user:kim", "kim"));
      expect(await codeOf(store().updateMessage("lobby", 1, react(emoji[MAX_REACTIONS]!, true, "user:kim", "kim")))).toBe("forbidden");
      const more = await store().updateMessage("lobby", 1, react(emoji[0]!, true, "user:ann", "ann"));
      expect(more.reactions).toHaveLength(MAX_REACTIONS);
      expect(more.reactions![0]).toEqual({ emoji: emoji[0], users: ["kim", "ann"] });
    });

    it("drops a deleted message's reactions and refuses reacting to it with not_found", async () => {
      await store().append("lobby", draft("soon gone", "user:gage"));
      await store().updateMessage("lobby", 1, react("👍", true, "user:kim", "kim"));
      expect((await store().updateMessage("lobby", 1, { kind: "delete" })).reactions).toBeUndefined();
      expect(await codeOf(store().updateMessage("lobby", 1, react("👍", true, "user:kim", "kim")))).toBe("not_found");
      expect((await store().recent("lobby", 1))[0]!.reactions).toBeUndefined();
    });
  });

  describe("pins", () => {
    it("pins and unpins a message, idempotently, keeping it through an edit; a deleted message is unpinned and cannot be pinned", async () => {
      await store().append("lobby", draft("the rules", "user:gage"));
      expect((await store().updateMessage("lobby", 1, { kind: "pin", on: true })).pinned).toBe(true);
      expect((await store().updateMessage("lobby", 1, { kind: "pin", on: true })).pinned).toBe(true);
      expect((await store().updateMessage("lobby", 1, edit("the new rules", "user:gage"))).pinned).toBe(true);
      expect((await store().recent("lobby", 1))[0]).toMatchObject({ pinned: true, content: "the new rules" });
      expect((await store().updateMessage("lobby", 1, { kind: "pin", on: false })).pinned).toBeUndefined();
      await store().updateMessage("lobby", 1, { kind: "pin", on: true });
      expect((await store().updateMessage("lobby", 1, { kind: "delete" })).pinned).toBeUndefined();
      expect(await codeOf(store().updateMessage("lobby", 1, { kind: "pin", on: true }))).toBe("not_found");
    });
  });
}
