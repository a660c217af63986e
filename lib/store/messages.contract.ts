// The contract for changes to stored messages (updateMessage), called from the store
// contract suite so every backend passes it: author-only edits, deletes that leave a
// tombstone with no copy of the old text, and the refusals.
import { describe, expect, it } from "vitest";
import { ChatError } from "../errors";
import type { MessageDraft, Store } from "./store";

const draft = (content: string, author: string): MessageDraft => ({
  username: "gage",
  guest: false,
  content,
  sentAt: "2026-11-23T10:00:00.000Z",
  author,
});

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
      const edited = await store().updateMessage("lobby", 1, { kind: "edit", content: "hello", at: "2026-11-23T10:01:00.000Z", author: "user:gage" });
      expect(edited).toEqual({ ...message, content: "hello", editedAt: "2026-11-23T10:01:00.000Z" });
      expect(await store().recent("lobby", 10)).toEqual([edited]);
      expect(await store().before("lobby", 2, 10)).toEqual([edited]);
    });

    it("refuses an edit by anyone but the author with forbidden, and changes nothing", async () => {
      const { message } = await store().append("lobby", draft("mine", "user:gage"));
      expect(await codeOf(store().updateMessage("lobby", 1, { kind: "edit", content: "yours", at: "2026-11-23T10:01:00.000Z", author: "guest:someone" }))).toBe("forbidden");
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
      expect(await codeOf(store().updateMessage("lobby", 2, { kind: "edit", content: "back", at: "2026-11-23T10:01:00.000Z", author: "guest:g1" }))).toBe("not_found");
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
  });
}
