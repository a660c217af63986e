// Chinese and Japanese on the SQLite store: its trigram index (schema version 4) finds
// words of three or more characters anywhere inside a run of characters, where
// unicode61 finds only a run's beginning; it follows edits and deletions and keeps
// each room's search to its own messages.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingLogger } from "../testing/fakes";
import { openSqliteStore, type SqliteStore } from "./sqlite";
import type { Message } from "../protocol";
import type { MessageDraft } from "./store";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openFresh(dir?: string): Promise<{ store: SqliteStore; dir: string }> {
  const at = dir ?? (await mkdtemp(path.join(tmpdir(), "livechat-cjk-")));
  if (!dir) dirs.push(at);
  return { store: await openSqliteStore({ dir: at, logger: new RecordingLogger() }), dir: at };
}

const draft = (content: string): MessageDraft => ({
  username: "mei",
  guest: false,
  content,
  sentAt: "2026-11-30T10:00:00.000Z",
  author: "user:mei",
});

const found = (messages: Message[]) => messages.map((message) => `${message.room}#${message.seq}`);

describe("SqliteStore's search in Chinese and Japanese", () => {
  let store: SqliteStore;
  beforeEach(async () => {
    ({ store } = await openFresh());
  });
  afterEach(async () => {
    await store.close();
  });

  it("finds a Japanese word inside a run of characters, and highlights just that word", async () => {
    await store.append("lobby", draft("日本語のメッセージです。東京へ行きます"));
    await store.append("lobby", draft("明日は大阪に行きます"));
    const inRoom = await store.searchRoom("lobby", "メッセージ", { limit: 10 });
    expect(found(inRoom)).toEqual(["lobby#1"]);
    expect(inRoom[0]!.highlight).toEqual([[4, 9]]);
    expect(found(await store.searchRooms("メッセージ", { limit: 10 }))).toEqual(["lobby#1"]);
    // Both messages hold "行きます", inside their runs; newest first.
    expect(found(await store.searchRoom("lobby", "行きます", { limit: 10 }))).toEqual(["lobby#2", "lobby#1"]);
  });

  it("finds a Chinese phrase inside a sentence, and needs every word typed", async () => {
    await store.append("lobby", draft("我们明天在北京开会讨论新产品"));
    await store.append("lobby", draft("北京的天气很好"));
    await store.append("lobby", draft("release 新产品 today"));
    expect(found(await store.searchRoom("lobby", "讨论新产品", { limit: 10 }))).toEqual(["lobby#1"]);
    expect(found(await store.searchRoom("lobby", "北京开会", { limit: 10 }))).toEqual(["lobby#1"]);
    expect(found(await store.searchRoom("lobby", "新产品", { limit: 10 }))).toEqual(["lobby#3", "lobby#1"]);
    // A Latin word and a Chinese one: only the message holding both.
    expect(found(await store.searchRoom("lobby", "release 新产品", { limit: 10 }))).toEqual(["lobby#3"]);
    expect(found(await store.searchRooms("releases 新产品", { limit: 10 }))).toEqual([]);
    // Two characters at the beginning of a run are still found as before (unicode61).
    expect(found(await store.searchRoom("lobby", "北京", { limit: 10 }))).toEqual(["lobby#2"]);
    // Text that is no query language: quotes and NEAR are just text.
    expect(await store.searchRoom("lobby", '"北京开会 NEAR(', { limit: 10 })).toEqual([]);
  });

  it("follows edits and deletions", async () => {
    await store.append("lobby", draft("会議は午後三時からです"));
    await store.append("lobby", draft("資料を送りました"));
    await store.updateMessage("lobby", 1, { kind: "edit", content: "会議は明日の朝です", at: "2026-11-30T10:05:00.000Z", author: "user:mei" });
    expect(await store.searchRoom("lobby", "午後三時", { limit: 10 })).toEqual([]);
    expect(found(await store.searchRoom("lobby", "明日の朝", { limit: 10 }))).toEqual(["lobby#1"]);
    await store.updateMessage("lobby", 2, { kind: "delete", author: "user:mei" });
    expect(await store.searchRoom("lobby", "送りました", { limit: 10 })).toEqual([]);
    expect(await store.searchRooms("送りました", { limit: 10 })).toEqual([]);
    await store.deleteRoom("lobby");
    expect(await store.searchRooms("明日の朝", { limit: 10 })).toEqual([]);
  });

  it("keeps a room's search to its own messages, room 1 apart from room 12", async () => {
    for (let i = 1; i <= 12; i++) await store.append(`room-${i}`, draft(`第${i}会議室の予約です`));
    expect(found(await store.searchRoom("room-1", "会議室の予約", { limit: 10 }))).toEqual(["room-1#1"]);
    expect(found(await store.searchRoom("room-12", "会議室の予約", { limit: 10 }))).toEqual(["room-12#1"]);
    expect(found(await store.searchRooms("会議室の予約", { rooms: ["room-1", "room-2"], limit: 10 })).sort()).toEqual(["room-1#1", "room-2#1"]);
  });
});

describe("SqliteStore's upgrade to the trigram index", () => {
  it("indexes the Chinese and Japanese messages a database held before it", async () => {
    const { store, dir } = await openFresh();
    await store.append("lobby", draft("日本語のメッセージです"));
    await store.append("lobby", draft("plain English only"));
    await store.close();
    // Back to schema version 3, as the previous version left the file.
    const file = new Database(path.join(dir, "livechat.db"));
    file.exec(`DROP TRIGGER messages_cjk_insert; DROP TRIGGER messages_cjk_delete; DROP TRIGGER messages_cjk_update;
      DROP TABLE messages_cjk; PRAGMA user_version = 3;`);
    file.close();

    const { store: upgraded } = await openFresh(dir);
    expect(found(await upgraded.searchRoom("lobby", "メッセージ", { limit: 10 }))).toEqual(["lobby#1"]);
    await upgraded.append("lobby", draft("新しいメッセージ"));
    expect(found(await upgraded.searchRooms("メッセージ", { limit: 10 }))).toEqual(["lobby#3", "lobby#1"]);
    await upgraded.close();
  });
});
